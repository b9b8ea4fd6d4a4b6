/**
 * What KWOK does to the Nodes and Pods of a local cluster, as its Stage documents (KWOK's own
 * lifecycle API: a selector over the object, an optional delay, then patches to its status).
 * Written here rather than taken from KWOK's defaults so the behaviour a test relies on is
 * stated in this repository:
 *
 * - a Node annotated kwok.x-k8s.io/node=fake and not Ready becomes Ready (its allocatable,
 *   addresses and kubelet version are what the provider registered), and KWOK renews its
 *   Lease in kube-node-lease, the heartbeat the node lifecycle controller watches;
 * - a scheduled Pod gets an IP, then becomes Running and Ready about a second later, and Ready
 *   again when its node comes back after the node lifecycle controller marked it not Ready;
 * - a Pod that simulates a failure never becomes Ready: it runs, its containers in
 *   CrashLoopBackOff, as a bad image would leave it. A Pod simulates a failure when any
 *   container image ends in ":fail" or ":crash", or it is annotated
 *   `fleetflow.dev/simulate: fail`;
 * - a Pod owned by a Job completes (Succeeded) a second after it is Ready;
 * - a Pod being deleted (no finalizers left) is removed after half a second, as a kubelet
 *   whose containers stop at once on SIGTERM would.
 */

/** Annotation that makes a Pod simulate a failed container (documented in the README). */
export const SIMULATE_ANNOTATION = 'fleetflow.dev/simulate';

/** A jq expression, true for a Pod that simulates a failure. */
const SIMULATES_FAILURE = `(.metadata.annotations["${SIMULATE_ANNOTATION}"] // "") == "fail" or ([.spec.containers[].image | test(":(fail|crash)$")] | any)`;

const notDeleting = `    - key: '.metadata.deletionTimestamp'
      operator: DoesNotExist`;

/** "kind: Stage" document with a selector, a delay and steps (YAML, indented as KWOK reads it). */
function stage(name: string, kind: 'Node' | 'Pod', selector: string, steps: string, delayMs?: [number, number]): string {
  const delay = delayMs ? `  delay:\n    durationMilliseconds: ${delayMs[0]}\n    jitterDurationMilliseconds: ${delayMs[1]}\n` : '';
  return `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: ${name}
spec:
  resourceRef:
    apiGroup: v1
    kind: ${kind}
  selector:
    matchExpressions:
${selector}
${delay}  steps:
${steps}`;
}

/** A step that patches the object's status with a Go template (strategic merge: lists merge by type or name). */
const statusPatch = (template: string) => `  - patch:
      subresource: status
      root: status
      template: |
${template.replace(/^/gm, '        ')}
`;

const NODE_CONDITIONS = `conditions:
- type: Ready
  status: "True"
  reason: KubeletReady
  message: kubelet is posting ready status (simulated by KWOK)
  lastHeartbeatTime: {{ Now | Quote }}
  lastTransitionTime: {{ Now | Quote }}
{{ range $t := list "MemoryPressure" "DiskPressure" "PIDPressure" }}
- type: {{ $t }}
  status: "False"
  reason: KubeletHasSufficient{{ trimSuffix "Pressure" $t }}
  lastHeartbeatTime: {{ Now | Quote }}
  lastTransitionTime: {{ Now | Quote }}
{{ end }}
phase: Running`;

const nodeStages = [
  stage(
    'fleetflow-node-ready',
    'Node',
    `    - key: '.status.conditions.[] | select(.type == "Ready") | .status'
      operator: NotIn
      values: ["True"]`,
    statusPatch(NODE_CONDITIONS),
  ),
  // The Lease is the heartbeat; this refreshes the conditions' times as a kubelet does every few minutes.
  stage(
    'fleetflow-node-heartbeat',
    'Node',
    `    - key: '.status.conditions.[] | select(.type == "Ready") | .status'
      operator: In
      values: ["True"]`,
    statusPatch(NODE_CONDITIONS),
    [240_000, 300_000],
  ),
];

const podStages = [
  stage(
    'fleetflow-pod-create',
    'Pod',
    `${notDeleting}
    - key: '.status.podIP'
      operator: DoesNotExist`,
    statusPatch(`conditions:
- type: PodScheduled
  status: "True"
  lastTransitionTime: {{ Now | Quote }}
- type: Initialized
  status: "True"
  lastTransitionTime: {{ Now | Quote }}
- type: ContainersReady
  status: "False"
  reason: ContainersNotReady
  lastTransitionTime: {{ Now | Quote }}
- type: Ready
  status: "False"
  reason: ContainersNotReady
  lastTransitionTime: {{ Now | Quote }}
containerStatuses:
{{ range .spec.containers }}
- name: {{ .name | Quote }}
  image: {{ .image | Quote }}
  ready: false
  started: false
  restartCount: 0
  state:
    waiting:
      reason: ContainerCreating
{{ end }}
hostIP: {{ NodeIPWith .spec.nodeName | Quote }}
podIP: {{ PodIPWith .spec.nodeName (or .spec.hostNetwork false) (or .metadata.uid "") (or .metadata.name "") (or .metadata.namespace "") | Quote }}
phase: Pending`),
    [100, 300],
  ),
  stage(
    'fleetflow-pod-ready',
    'Pod',
    `${notDeleting}
    - key: '.status.phase'
      operator: In
      values: ["Pending"]
    - key: '.status.podIP'
      operator: Exists
    - key: '${SIMULATES_FAILURE}'
      operator: NotIn
      values: ["true"]`,
    statusPatch(`conditions:
- type: ContainersReady
  status: "True"
  lastTransitionTime: {{ Now | Quote }}
- type: Ready
  status: "True"
  lastTransitionTime: {{ Now | Quote }}
containerStatuses:
{{ range .spec.containers }}
- name: {{ .name | Quote }}
  image: {{ .image | Quote }}
  ready: true
  started: true
  restartCount: 0
  state:
    running:
      startedAt: {{ Now | Quote }}
{{ end }}
startTime: {{ Now | Quote }}
phase: Running`),
    [500, 1_000],
  ),
  // A kubelet that was cut off reports its pods Ready again once it is back; meanwhile the node
  // lifecycle controller had marked them not Ready.
  stage(
    'fleetflow-pod-ready-again',
    'Pod',
    `${notDeleting}
    - key: '.status.phase'
      operator: In
      values: ["Running"]
    - key: '.status.conditions.[] | select(.type == "Ready") | .status'
      operator: NotIn
      values: ["True"]
    - key: '${SIMULATES_FAILURE}'
      operator: NotIn
      values: ["true"]`,
    statusPatch(`conditions:
- type: ContainersReady
  status: "True"
  lastTransitionTime: {{ Now | Quote }}
- type: Ready
  status: "True"
  lastTransitionTime: {{ Now | Quote }}`),
    [500, 1_000],
  ),
  stage(
    'fleetflow-pod-crashloop',
    'Pod',
    `${notDeleting}
    - key: '.status.phase'
      operator: In
      values: ["Pending"]
    - key: '.status.podIP'
      operator: Exists
    - key: '${SIMULATES_FAILURE}'
      operator: In
      values: ["true"]`,
    `${statusPatch(`containerStatuses:
{{ range .spec.containers }}
- name: {{ .name | Quote }}
  image: {{ .image | Quote }}
  ready: false
  started: false
  restartCount: 3
  lastState:
    terminated:
      exitCode: 1
      reason: Error
      startedAt: {{ Now | Quote }}
      finishedAt: {{ Now | Quote }}
  state:
    waiting:
      reason: CrashLoopBackOff
      message: back-off restarting failed container {{ .name }} (simulated)
{{ end }}
startTime: {{ Now | Quote }}
phase: Running`)}  - event:
      type: Warning
      reason: BackOff
      message: Back-off restarting failed container (simulated by KWOK)
`,
    [500, 1_000],
  ),
  stage(
    'fleetflow-pod-complete',
    'Pod',
    `${notDeleting}
    - key: '.status.phase'
      operator: In
      values: ["Running"]
    - key: '.status.conditions.[] | select(.type == "Ready") | .status'
      operator: In
      values: ["True"]
    - key: '.metadata.ownerReferences.[].kind'
      operator: In
      values: ["Job"]`,
    statusPatch(`conditions:
- type: Ready
  status: "False"
  reason: PodCompleted
  lastTransitionTime: {{ Now | Quote }}
containerStatuses:
{{ range .spec.containers }}
- name: {{ .name | Quote }}
  image: {{ .image | Quote }}
  ready: false
  started: false
  restartCount: 0
  state:
    terminated:
      exitCode: 0
      reason: Completed
      startedAt: {{ Now | Quote }}
      finishedAt: {{ Now | Quote }}
{{ end }}
phase: Succeeded`),
    [1_000, 2_000],
  ),
  stage(
    'fleetflow-pod-delete',
    'Pod',
    `    - key: '.metadata.deletionTimestamp'
      operator: Exists
    - key: '.metadata.finalizers'
      operator: DoesNotExist`,
    '  - delete: true\n',
    [500, 500],
  ),
];

/** The whole KWOK configuration file: its Stage documents, separated as YAML documents. */
export function kwokStagesYaml(): string {
  return [...nodeStages, ...podStages].join('---\n');
}
