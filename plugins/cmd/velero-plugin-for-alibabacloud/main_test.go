package main

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/buildinfo"
)

// velero server reads a plugin's stderr as hclog JSON: the message must be under "@message".
func TestLogStartWritesTheVersionAsVeleroReadsIt(t *testing.T) {
	defer func(v string) { buildinfo.Version = v }(buildinfo.Version)
	buildinfo.Version = "v1.2.3-test"
	var out bytes.Buffer
	logStart(&out)

	var line map[string]string
	require.NoError(t, json.Unmarshal(out.Bytes(), &line), out.String())
	assert.Equal(t, map[string]string{"@message": "velero-plugin-for-alibabacloud starting", "level": "info", "version": "v1.2.3-test"}, line)
}
