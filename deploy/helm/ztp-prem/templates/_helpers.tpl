{{/* The namespace of every namespaced object. */}}
{{- define "ztp-prem.namespace" -}}
{{- required "namespace.name is required" .Values.namespace.name -}}
{{- end -}}

{{/* Labels every object carries: deploy/base's part-of, plus Helm's own two. */}}
{{- define "ztp-prem.labels" -}}
app.kubernetes.io/part-of: ztp-prem
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* image reference: repository:tag, the tag defaulting to the chart's appVersion. */}}
{{- define "ztp-prem.image" -}}
{{- $tag := .image.tag | default .root.Chart.AppVersion -}}
{{- printf "%s:%s" .image.repository $tag -}}
{{- end -}}

{{/* The restricted container security context of every container (deploy/base). */}}
{{- define "ztp-prem.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
privileged: false
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "ztp-prem.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
{{- if .fsGroup }}
fsGroup: 65532
{{- end }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* The fleet token's Secret name, or "" without a token. */}}
{{- define "ztp-prem.fleetTokenSecret" -}}
{{- if .Values.fleet.token.existingSecret -}}
{{- .Values.fleet.token.existingSecret -}}
{{- else if .Values.fleet.token.value -}}
ztp-prem-fleet-token
{{- end -}}
{{- end -}}
