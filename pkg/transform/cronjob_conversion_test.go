package transform

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCronJobConversionGolden(t *testing.T) {
	current := map[string]bool{CronJobBatchV1: true}
	old := map[string]bool{CronJobBatchV1: true, CronJobBatchV1beta1: true}
	goldenCases(t, "cronjob", map[string]Pipeline{
		"unserved":  {NewCronJobConversion(current)},
		"served":    {NewCronJobConversion(old)},
		"untouched": {NewCronJobConversion(current)},
	})
}

func TestCronJobConversionNotes(t *testing.T) {
	obj := readDocs(t, "testdata/cronjob/unserved.in.yaml")[0]
	out, err := Pipeline{NewCronJobConversion(nil)}.Apply(Item{Object: obj})
	require.NoError(t, err)
	assert.Equal(t, []string{"cronJobConversion: converted CronJob shop/report from batch/v1beta1 to batch/v1: the target cluster does not serve batch/v1beta1"}, out.Notes)
}
