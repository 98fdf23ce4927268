package objectstore

import (
	"bytes"
	"crypto/rand"
	"io"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/oss"
)

// largestRead records the largest read asked of a stream, as Velero's StreamReadCloser would have to
// buffer it.
type largestRead struct {
	r   io.Reader
	max int
}

func (l *largestRead) Read(p []byte) (int, error) {
	l.max = max(l.max, len(p))
	return l.r.Read(p)
}

// However the OSS client reads, Velero's stream is asked for at most one of its messages at a time.
func TestPutObjectReadsVelerosStreamAMessageAtATime(t *testing.T) {
	mem := newMemoryOSS()
	deps := DefaultDependencies()
	deps.NewClient = func(oss.Config) (oss.Client, error) { return mem, nil }
	store := New(logrus.New(), deps)
	require.NoError(t, store.Init(map[string]string{"bucket": "cnfs-oss-b", "region": "cn-hangzhou", "credentialsFile": credentialsFile(t)}))

	data := make([]byte, 3<<20)
	_, _ = rand.Read(data)
	body := &largestRead{r: bytes.NewReader(data)}
	require.NoError(t, store.PutObject("cnfs-oss-b", "backups/b1/b1.tar.gz", body))
	assert.LessOrEqual(t, body.max, veleroChunk)
	got, ok := mem.object("cnfs-oss-b", "backups/b1/b1.tar.gz")
	require.True(t, ok)
	assert.Equal(t, data, got)
}
