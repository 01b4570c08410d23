{{- define "gitscale.labels" -}}
app.kubernetes.io/name: gitscale
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "gitscale.selector" -}}
app.kubernetes.io/name: gitscale
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "gitscale.serviceAccount" -}}
{{- if .Values.serviceAccount.create }}{{ .Values.serviceAccount.name | default .Release.Name }}{{ else }}{{ .Values.serviceAccount.name | default "default" }}{{ end -}}
{{- end -}}

{{- define "gitscale.gitSecret" -}}
{{- .Values.git.existingSecret | default (printf "%s-git" .Release.Name) -}}
{{- end -}}
