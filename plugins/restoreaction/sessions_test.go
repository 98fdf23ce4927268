package restoreaction

import (
	"errors"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	"github.com/vmware-tanzu/velero/pkg/plugin/velero"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/restoreconfig"
)

var errTimeout = errors.New("the server was unable to return a response in the time allotted")

// newLoggedAction is an action of the workloads family whose log a test reads, with retries that do
// not wait.
func newLoggedAction(t *testing.T, reader Reader) (*Action, *test.Hook) {
	t.Helper()
	log, hook := test.NewNullLogger()
	sessions := NewSessions(reader, log)
	sessions.RetryDelays = []time.Duration{0, 0}
	a, err := New("csdr.io/restore-workloads", sessions, log)
	require.NoError(t, err)
	return a, hook
}

func errorEntries(hook *test.Hook) []string {
	var out []string
	for _, e := range hook.AllEntries() {
		if e.Level <= logrus.ErrorLevel {
			out = append(out, e.Message)
		}
	}
	return out
}

func TestAFailedReadIsRetriedOnTheNextItemAndSaidOnce(t *testing.T) {
	r := restoreNamed("r1", "")
	// Three attempts each: the check at the start and the first two items meet only failures, the third
	// item succeeds.
	reader := &fakeReader{cluster: targetCluster(), restores: []velerov1.Restore{r}}
	for range 9 {
		reader.clusterErrs = append(reader.clusterErrs, errTimeout)
	}
	a, hook := newLoggedAction(t, reader)

	_, err := a.AppliesTo()
	require.NoError(t, err, "a failed read does not fail the restore at its start")
	for i := range 2 {
		_, err = a.Execute(&velero.RestoreItemActionExecuteInput{Item: deployment(), ItemFromBackup: deployment(), Restore: &r})
		require.Error(t, err, "item %d", i)
		assert.ErrorIs(t, err, errTimeout)
		assert.Contains(t, err.Error(), "restore r1: cannot read its configuration or the target cluster: read target cluster: ")
	}
	assert.Equal(t, 9, reader.clusterReads, "three attempts at the start and for each of the two items")

	out, err := a.Execute(&velero.RestoreItemActionExecuteInput{Item: deployment(), ItemFromBackup: deployment(), Restore: &r})
	require.NoError(t, err, "the reads succeed again: the item gets the rules")
	assert.Equal(t, 10, reader.clusterReads)
	_, pinned, _ := unstructured.NestedString(out.UpdatedItem.UnstructuredContent(), "spec", "template", "spec", "nodeName")
	assert.False(t, pinned)
	assert.Len(t, errorEntries(hook), 1, "the restore log says once that the rules cannot be built")
	assert.Contains(t, errorEntries(hook)[0], "every item of this restore fails until the reads succeed")

	_, err = a.Execute(&velero.RestoreItemActionExecuteInput{Item: deployment(), ItemFromBackup: deployment(), Restore: &r})
	require.NoError(t, err)
	assert.Equal(t, 10, reader.clusterReads, "once built, the pipeline is kept")
	assert.Len(t, errorEntries(hook), 1)
}

func TestARetriedReadThatSucceedsCostsTheItemNothing(t *testing.T) {
	r := restoreNamed("r1", "")
	reader := &fakeReader{cluster: targetCluster(), clusterErrs: []error{errTimeout}}
	a, hook := newLoggedAction(t, reader)
	_, err := a.Execute(&velero.RestoreItemActionExecuteInput{Item: deployment(), ItemFromBackup: deployment(), Restore: &r})
	require.NoError(t, err)
	assert.Equal(t, 2, reader.clusterReads)
	assert.Empty(t, errorEntries(hook))
}

func TestAnInvalidConfigurationIsFinalForTheRestore(t *testing.T) {
	r := restoreNamed("r1", "bad")
	reader := &fakeReader{cluster: targetCluster(), configMaps: map[string]*restoreconfig.Source{
		"bad": {Name: "velero/bad", Data: map[string]string{"nodePins": "maybe"}}}}
	a, _ := newLoggedAction(t, reader)
	for range 3 {
		_, err := a.Execute(&velero.RestoreItemActionExecuteInput{Item: deployment(), ItemFromBackup: deployment(), Restore: &r})
		assert.ErrorContains(t, err, "invalid restore configuration velero/bad: rule nodePins")
	}
	assert.Equal(t, 1, reader.reads, "read once, refused for the whole restore")
}
