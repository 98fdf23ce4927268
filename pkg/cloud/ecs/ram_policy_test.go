package ecs_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/internal/rampolicy"
)

// The least-privilege ECS policy for the VolumeSnapshotter's RAM user or role grants exactly the ECS actions this package calls.
func TestRAMPolicyGrantsExactlyTheActionsCalled(t *testing.T) {
	granted, called, err := rampolicy.GrantedAndCalled("../../../examples/velero-install/ram-policy-ecs.json", ".", "ecs")
	require.NoError(t, err)
	assert.Equal(t, called, granted)
}
