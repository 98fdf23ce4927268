package hbr_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/internal/rampolicy"
)

// The least-privilege Cloud Backup (HBR) policy for csdr-controller's RAM user or role grants exactly the HBR actions this package calls.
func TestRAMPolicyGrantsExactlyTheActionsCalled(t *testing.T) {
	granted, called, err := rampolicy.GrantedAndCalled("../../../examples/velero-install/ram-policy-hbr.json", ".", "hbr")
	require.NoError(t, err)
	assert.Equal(t, called, granted)
}
