package v1alpha1

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRestoreSourceAnnotationRoundTrips(t *testing.T) {
	src := RestoreSource{Backup: OwnerRef{Name: "b", UID: "bu"}, Claim: ClaimRef{Namespace: "ns", Name: "data", UID: claimUID},
		Vault: Vault{Region: "cn-hangzhou", VaultName: "ack-backup-data", VaultID: "v-1"}, SnapshotID: "s-1", SnapshotHash: "h1", BytesTotal: 42}
	value, err := src.MarshalAnnotation()
	require.NoError(t, err)
	got, err := ParseRestoreSource(value)
	require.NoError(t, err)
	assert.Equal(t, src, got)

	tests := map[string]string{
		"not json":    "{",
		"no vault":    `{"region":"cn-hangzhou","snapshotID":"s","snapshotHash":"h","backup":{"name":"b","uid":"u"},"claim":{"namespace":"n","name":"c"}}`,
		"no snapshot": `{"region":"cn-hangzhou","vaultID":"v","backup":{"name":"b","uid":"u"},"claim":{"namespace":"n","name":"c"}}`,
		"no claim":    `{"region":"cn-hangzhou","vaultID":"v","snapshotID":"s","snapshotHash":"h","backup":{"name":"b","uid":"u"},"claim":{}}`,
	}
	for name, value := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := ParseRestoreSource(value)
			assert.ErrorContains(t, err, HBRSnapshotAnnotation)
		})
	}
}
