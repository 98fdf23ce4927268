package bench

import (
	"context"
	"crypto/rand"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/pluginhost"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/oss"
)

// patternBlock is one random MiB every benchmark stream cycles through: cheap to produce, so the
// producer never limits either contender, not compressible by anything on the way, and the same for
// every stream of a size, so the two sides' objects must have the same CRC-64.
var patternBlock = func() []byte {
	b := make([]byte, 1<<20)
	_, _ = rand.Read(b)
	return b
}()

// pattern is a stream of n bytes of patternBlock, of unknown length to its reader, like Velero's.
type pattern struct {
	off, n int64
}

func newPattern(n int64) *pattern { return &pattern{n: n} }

func (p *pattern) Read(dst []byte) (int, error) {
	if p.off >= p.n {
		return 0, io.EOF
	}
	if rem := p.n - p.off; int64(len(dst)) > rem {
		dst = dst[:rem]
	}
	c := copy(dst, patternBlock[p.off%int64(len(patternBlock)):])
	p.off += int64(c)
	return c, nil
}

// newBaselineSDK is the baseline's client: the same SDK as the plugin's, set up as the plugin sets its own,
// on a fresh connection.
func newBaselineSDK(url string) *oss.Baseline { return oss.NewBaseline(url, "cn-hangzhou", ak, sk) }

// streamedPut is the baseline: one PutObject of the whole stream, as a plugin that hands Velero's
// reader to the SDK does. Its connection is made under its label, so the CPU of writing the body
// (and its CRC-64) counts as the client's.
func streamedPut(url, key string, size int64) error {
	var err error
	pprof.Do(context.Background(), pprof.Labels(uploadCPULabel, "client: SDK PutObject"), func(ctx context.Context) {
		err = newBaselineSDK(url).Put(ctx, bucket, key, newPattern(size))
	})
	return err
}

type putter interface {
	PutObject(bucket, key string, body io.Reader) error
}

// pluginPut is the contender: Velero's ObjectStore client streaming to our plugin process over gRPC.
func pluginPut(store putter, key string, size int64) error {
	var err error
	pprof.Do(context.Background(), pprof.Labels(uploadCPULabel, "velero: gRPC PutObject"), func(context.Context) {
		err = store.PutObject(bucket, key, newPattern(size))
	})
	return err
}

// newStore starts a plugin process through Velero's plugin manager and initialises a location in it.
func newStore(b *testing.B, url, credsFile string) putter {
	log := logrus.New()
	log.SetOutput(io.Discard)
	m := pluginhost.NewManager(b, log)
	store, err := m.GetObjectStore("alibabacloud")
	require.NoError(b, err)
	require.NoError(b, store.Init(map[string]string{
		"bucket": bucket, "region": "cn-hangzhou", "endpoint": url,
		"credentialsFile": credsFile, "notOnECS": "true",
	}))
	return store
}

// pluginPID is the one running plugin process.
func pluginPID(b *testing.B) int {
	pids := pluginhost.PluginPIDs()
	require.Len(b, pids, 1, "one plugin process")
	return pids[0]
}

// uploadHogEnv makes the test binary a CPU hog instead of a test run (see TestMain).
const uploadHogEnv = "CSDR_BENCH_CPU_HOG"

// spinIfHog keeps one core busy forever when the benchmark started this process as its hog.
func spinIfHog() {
	if os.Getenv(uploadHogEnv) != "1" {
		return
	}
	runtime.GOMAXPROCS(1)
	for n := 0; ; n++ {
		_ = n
	}
}

// startUploadHog runs this test binary again as a separate process that spins on one core, like a busy
// neighbour (velero server itself, a backup's compression) on the same node; stop kills it.
func startUploadHog(b *testing.B) (stop func()) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), uploadHogEnv+"=1")
	require.NoError(b, cmd.Start())
	return func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
}
