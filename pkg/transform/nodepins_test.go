package transform

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var targetNodes = []string{"node-a", "node-b"}

func TestNodePinsGolden(t *testing.T) {
	rule := NewNodePins(targetNodes)
	goldenCases(t, "node_pins", map[string]Pipeline{
		"template_node_name": {rule},
		"hostname_pins":      {rule},
		"mixed_terms":        {rule},
		"untouched":          {rule},
	})
}

func TestNodePinsNotes(t *testing.T) {
	docs := readDocs(t, "testdata/node_pins/mixed_terms.in.yaml")
	require.Len(t, docs, 2)
	rule := NewNodePins(targetNodes)
	assert.Equal(t, "nodePins", rule.Name())

	var out Outcome
	require.NoError(t, rule.Apply(Item{Object: docs[0]}, &out))
	assert.Equal(t, []string{
		"nodePins: required node affinity: dropped kubernetes.io/hostname In old-node-1, " +
			"kubernetes.io/hostname In old-node-2, metadata.name In old-node-2, metadata.name In old-node-3: " +
			"no such node in the target cluster",
		"nodePins: preferred node affinity: dropped kubernetes.io/hostname In old-node-1, " +
			"kubernetes.io/hostname In old-node-2: no such node in the target cluster",
	}, out.Notes)

	out = Outcome{}
	require.NoError(t, rule.Apply(Item{Object: docs[1]}, &out))
	assert.Equal(t, []string{
		"nodePins: removed nodeName old-node-1: the scheduler places pods in the target cluster",
		"nodePins: dropped nodeSelector kubernetes.io/hostname=old-node-1: no such node in the target cluster",
		"nodePins: required node affinity: dropped metadata.name In old-node-1: no such node in the target cluster",
		"nodePins: removed required node affinity: no term is left once pins to missing nodes are dropped",
		"nodePins: preferred node affinity: dropped kubernetes.io/hostname In old-node-1: no such node in the target cluster",
	}, out.Notes)
}

func TestNodePinsLeavesOthersSilent(t *testing.T) {
	rule := NewNodePins(targetNodes)
	for _, obj := range readDocs(t, "testdata/node_pins/untouched.in.yaml") {
		before := obj.DeepCopy()
		var out Outcome
		require.NoError(t, rule.Apply(Item{Object: obj}, &out))
		assert.Empty(t, out.Notes, obj.GetName())
		assert.Equal(t, before, obj, obj.GetName())
	}
}

func TestNodePinsWithoutNodes(t *testing.T) {
	// A cluster whose node list is empty has none of the pinned nodes.
	docs := readDocs(t, "testdata/node_pins/hostname_pins.in.yaml")
	var out Outcome
	require.NoError(t, NewNodePins(nil).Apply(Item{Object: docs[2]}, &out))
	assert.Equal(t, []string{
		"nodePins: dropped nodeSelector kubernetes.io/hostname=node-a: no such node in the target cluster",
	}, out.Notes)
	_, found := PodSpec(docs[2])["nodeSelector"]
	assert.False(t, found)
}
