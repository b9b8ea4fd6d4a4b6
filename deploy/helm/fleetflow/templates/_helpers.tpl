{{- define "fleetflow.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "fleetflow.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component (worker or api): pass (list $ "worker"). */}}
{{- define "fleetflow.selectorLabels" -}}
{{- $ := index . 0 -}}
app.kubernetes.io/name: {{ $.Chart.Name }}
app.kubernetes.io/instance: {{ $.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "fleetflow.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "fleetflow.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "fleetflow.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* The config file: the values' `config` with the `encryption` section made from `encryption`. */}}
{{- define "fleetflow.configFile" -}}
{{- if not .Values.encryption.keys -}}
{{- fail "encryption.keys: must list at least one key (every replica must encrypt with the same keys)" -}}
{{- end -}}
{{- $keys := list -}}
{{- range .Values.encryption.keys -}}
{{- $keys = append $keys (dict "id" .id "file" (printf "/etc/fleetflow/keys/%s" .id)) -}}
{{- end -}}
{{- toYaml (merge (dict "encryption" (dict "keys" $keys)) (omit .Values.config "encryption")) -}}
{{- end -}}

{{/* Environment of every Fleetflow container: the Temporal connection and the config file. */}}
{{- define "fleetflow.env" -}}
{{- $t := .Values.temporal -}}
- name: TEMPORAL_ADDRESS
  value: {{ $t.address | quote }}
- name: TEMPORAL_NAMESPACE
  value: {{ $t.namespace | quote }}
- name: FLEETFLOW_TASK_QUEUE
  value: {{ $t.taskQueue | quote }}
- name: FLEETFLOW_CONFIG
  value: /etc/fleetflow/config/config.yaml
- name: FLEETFLOW_DATA
  value: /var/lib/fleetflow
{{- if $t.tls.enabled }}
{{- if not $t.tls.secretName }}
{{- fail "temporal.tls.secretName: must name the Secret with the client certificate when temporal.tls.enabled is true" }}
{{- end }}
- name: TEMPORAL_TLS
  value: "true"
- name: TEMPORAL_TLS_CLIENT_CERT_PATH
  value: /etc/fleetflow/temporal-tls/{{ $t.tls.certKey }}
- name: TEMPORAL_TLS_CLIENT_KEY_PATH
  value: /etc/fleetflow/temporal-tls/{{ $t.tls.keyKey }}
{{- if $t.tls.caKey }}
- name: TEMPORAL_TLS_SERVER_CA_CERT_PATH
  value: /etc/fleetflow/temporal-tls/{{ $t.tls.caKey }}
{{- end }}
{{- if $t.tls.serverName }}
- name: TEMPORAL_TLS_SERVER_NAME
  value: {{ $t.tls.serverName | quote }}
{{- end }}
{{- end }}
{{- if $t.apiKey.secretName }}
{{- /* envconfig turns TLS on when an API key is given. */}}
- name: TEMPORAL_API_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $t.apiKey.secretName }}
      key: {{ $t.apiKey.key }}
{{- end }}
{{- end -}}

{{- define "fleetflow.volumeMounts" -}}
- name: config
  mountPath: /etc/fleetflow/config
  readOnly: true
- name: encryption-keys
  mountPath: /etc/fleetflow/keys
  readOnly: true
{{- if .Values.temporal.tls.enabled }}
- name: temporal-tls
  mountPath: /etc/fleetflow/temporal-tls
  readOnly: true
{{- end }}
- name: data
  mountPath: /var/lib/fleetflow
- name: tmp
  mountPath: /tmp
{{- end -}}

{{- define "fleetflow.volumes" -}}
- name: config
  configMap:
    name: {{ include "fleetflow.fullname" . }}-config
- name: encryption-keys
  secret:
    secretName: {{ .Values.encryption.secretName }}
    defaultMode: 0400
    items:
    {{- range .Values.encryption.keys }}
      - key: {{ .secretKey }}
        path: {{ .id }}
    {{- end }}
{{- if .Values.temporal.tls.enabled }}
- name: temporal-tls
  secret:
    secretName: {{ .Values.temporal.tls.secretName }}
    defaultMode: 0400
{{- end }}
- name: data
  emptyDir: {}
- name: tmp
  emptyDir: {}
{{- end -}}

{{/* The agent's cluster: required when agent.enabled, and a name the inventory accepts. */}}
{{- define "fleetflow.agentCluster" -}}
{{- $c := .Values.agent.cluster -}}
{{- if not $c -}}
{{- fail "agent.cluster: must name the cluster this agent serves (as registered with connection.mode agent) when agent.enabled is true" -}}
{{- end -}}
{{- if or (gt (len $c) 40) (not (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" $c)) -}}
{{- fail (printf "agent.cluster: %q must be at most 40 lowercase letters, digits and \"-\", starting and ending alphanumeric" $c) -}}
{{- end -}}
{{- $c -}}
{{- end -}}

{{- define "fleetflow.agentName" -}}
{{- printf "%s-agent" (include "fleetflow.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
