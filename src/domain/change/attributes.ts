/**
 * Search attributes of a change (the fleetChange workflow and the operation it runs), so that
 * `temporal workflow list --query "FleetTicket = 'servicenow/CHG0031337'"` and the UI find every
 * workflow of a ticket. Their values are stored in clear, like every search attribute.
 */
export const CHANGE_ATTRIBUTES = {
  /** "<system>/<id>" of the ticket. */
  ticket: 'FleetTicket',
  /** The authenticated principal that opened the change: "oidc:alice", "token:ci". */
  requestedBy: 'FleetRequestedBy',
  /** provision, decommission, upgradeCluster, upgradeWave, rollout, fleetDecommission. */
  changeType: 'FleetChangeType',
  /** A ChangeState, kept current by the fleetChange workflow. */
  changeState: 'FleetChangeState',
} as const;

/** The FleetTicket value of a ticket. */
export const ticketAttributeOf = (t: { system: string; id: string }): string => `${t.system}/${t.id}`;
