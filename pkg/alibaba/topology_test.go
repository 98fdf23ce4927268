package alibaba

import (
	"testing"

	"github.com/stretchr/testify/assert"
	corev1 "k8s.io/api/core/v1"
)

func TestWellKnownLabelsAreKubernetes(t *testing.T) {
	for _, tc := range []struct{ ours, kubernetes string }{
		{labelTopologyZone, corev1.LabelTopologyZone},
		{labelTopologyRegion, corev1.LabelTopologyRegion},
		{labelFailureDomainBetaZone, corev1.LabelFailureDomainBetaZone},
		{labelFailureDomainBetaRegion, corev1.LabelFailureDomainBetaRegion},
	} {
		assert.Equal(t, tc.kubernetes, tc.ours)
	}
}
