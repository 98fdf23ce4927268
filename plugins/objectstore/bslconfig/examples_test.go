package bslconfig

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

// The annotated example locations parse, and describe every key a user sets (Velero sets the others).
func TestExampleLocationsDescribeEveryKey(t *testing.T) {
	setByVelero := []string{keyBucket, keyPrefix, keyCACert, keyCredentialsFile}
	for _, file := range []string{"backupstoragelocation.yaml", "backupstoragelocation-readonly.yaml"} {
		t.Run(file, func(t *testing.T) {
			data, err := os.ReadFile("../../../examples/velero-install/" + file)
			require.NoError(t, err)
			var bsl exampleLocation
			require.NoError(t, yaml.Unmarshal(data, &bsl))
			config := map[string]string{keyBucket: bsl.Spec.ObjectStorage.Bucket, keyPrefix: bsl.Spec.ObjectStorage.Prefix}
			for k, v := range bsl.Spec.Config {
				config[k] = v
			}
			_, err = ParseConfig(config, Environment{})
			require.NoError(t, err)
			for _, key := range validKeys {
				if slices.Contains(setByVelero, key) {
					continue
				}
				documented := strings.Contains(string(data), "\n    # "+key+": ") || strings.Contains(string(data), "\n    "+key+": ")
				assert.True(t, documented, "%s: config key %q is not described", file, key)
			}
		})
	}
}

// exampleLocation is the part of a BackupStorageLocation the examples fill in; Velero's own type would
// make this package's tests, and so its fuzz build, compile Velero.
type exampleLocation struct {
	Spec struct {
		ObjectStorage struct {
			Bucket string `json:"bucket"`
			Prefix string `json:"prefix"`
		} `json:"objectStorage"`
		Config map[string]string `json:"config"`
	} `json:"spec"`
}
