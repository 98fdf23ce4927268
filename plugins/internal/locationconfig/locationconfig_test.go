package locationconfig

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckKeys(t *testing.T) {
	valid := []string{"region", "bucket", "zone"}
	require.NoError(t, CheckKeys(map[string]string{"region": "x", "zone": ""}, valid))
	err := CheckKeys(map[string]string{"regoin": "x", "region": "y"}, valid)
	assert.EqualError(t, err, `unknown config key "regoin" for provider alibabacloud; valid keys are: bucket, region, zone`)
	many := map[string]string{}
	for _, k := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		many[k] = ""
	}
	assert.ErrorContains(t, CheckKeys(many, valid), `"a", "b", "c", "d", "e", and 2 more`)
}

func TestBool(t *testing.T) {
	m := map[string]string{"on": "true", "off": "false", "bad": "yes please", "empty": ""}
	for key, want := range map[string]bool{"on": true, "off": false, "empty": true, "unset": true} {
		got, err := Bool(m, key, true)
		require.NoError(t, err, key)
		assert.Equal(t, want, got, key)
	}
	_, err := Bool(m, "bad", false)
	assert.EqualError(t, err, `config key "bad": "yes please" is not a boolean; valid values are true, false`)
}

func TestQuoteIsBounded(t *testing.T) {
	assert.Equal(t, `"short"`, Quote("short"))
	long := Quote(strings.Repeat("é", 100))
	assert.Contains(t, long, "... (200 bytes)")
	assert.Less(t, len(long), 100)
}
