//go:build e2e

package suite

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	sigsyaml "sigs.k8s.io/yaml"
)

// The keyless alternative the values file describes (RRSA or the node's RAM role): with
// credentials.useSecret false the chart renders no Secret and sets no credentials file, so the plugin
// falls through to RRSA's variables, and the ServiceAccount carries the role annotation ACK's pod
// identity webhook reads.
func TestHelmKeylessValues(t *testing.T) {
	parallel(t)
	chart, err := env.layout.VeleroChart(ctx(t))
	require.NoError(t, err)
	values := readValues(t, filepath.Join(env.layout.Repo, helmValues))
	values["credentials"] = map[string]any{"useSecret": false}
	values["serviceAccount"] = map[string]any{"server": map[string]any{"create": true, "name": "velero", "automountServiceAccountToken": true,
		"annotations": map[string]any{"pod-identity.alibabacloud.com/role-name": "velero-backup"}}}
	manifest, err := helmTemplate(t, chart, "velero", writeValues(t, values))
	require.NoError(t, err)
	docs, err := decodeDocuments(manifest)
	require.NoError(t, err)

	var deploy appsv1.Deployment
	require.NoError(t, only(docs, "Deployment", &deploy))
	_, err = checkDeployment(&deploy, values, copierTarget(t))
	require.ErrorContains(t, err, "ALIBABA_CLOUD_CREDENTIALS_FILE", "no credentials file without a Secret")
	for _, d := range docs {
		assert.NotEqual(t, "Secret", d.GetKind(), "secret %s rendered without credentials", d.GetName())
	}
	// examples/rrsa's trust policy lets in system:serviceaccount:velero:velero.
	require.Equal(t, "velero", deploy.Spec.Template.Spec.ServiceAccountName)
	var annotated bool
	for _, d := range docs {
		if d.GetKind() == "ServiceAccount" && d.GetName() == deploy.Spec.Template.Spec.ServiceAccountName {
			var sa corev1.ServiceAccount
			require.NoError(t, convert(d, &sa))
			annotated = sa.Annotations["pod-identity.alibabacloud.com/role-name"] == "velero-backup"
		}
	}
	assert.True(t, annotated, "the server's ServiceAccount %s names no RAM role", deploy.Spec.Template.Spec.ServiceAccountName)
	require.NoError(t, checkLocations(docs))
	require.NoError(t, checkRestoreConfig(docs))
}

// Helm checks values against the chart's values.schema.json before it renders anything, so a
// mistyped chart setting fails helm template (and helm install) outright.
func TestHelmRefusesValuesOutsideTheChartSchema(t *testing.T) {
	parallel(t)
	chart, err := env.layout.VeleroChart(ctx(t))
	require.NoError(t, err)
	values := readValues(t, filepath.Join(env.layout.Repo, helmValues))
	values["snapshotsEnabled"] = "yes"
	_, err = helmTemplate(t, chart, "velero", writeValues(t, values))
	require.ErrorContains(t, err, "snapshotsEnabled")
}

func writeValues(t *testing.T, values map[string]any) string {
	t.Helper()
	data, err := sigsyaml.Marshal(values)
	require.NoError(t, err)
	file := filepath.Join(t.TempDir(), "edited.values.yaml")
	require.NoError(t, os.WriteFile(file, data, 0o600))
	return file
}
