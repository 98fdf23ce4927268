// Package bench measures upload throughput of the plugin, driven through Velero's plugin client as in
// production, against a raw single-stream HTTP PUT of the same bytes to the same emulator, measured in
// the same run.
package bench

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1" //nolint:gosec // OSS V1 signatures are HMAC-SHA1 by definition
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/emulatortest"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/pluginhost"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/procfs"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/credentials"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/oss"
)

type staticCreds credentials.Credentials

func (s staticCreds) Credentials(context.Context) (credentials.Credentials, error) {
	return credentials.Credentials(s), nil
}

const (
	bucket    = "cnfs-oss-bench"
	ak, sk    = "ak-bench", "sk-bench"
	lanSize   = 1 << 30
	wanSize   = 256 << 20
	wanDelay  = 40 * time.Millisecond
	wanRate   = 50_000_000 / 8 // 50 Mbit/s per connection
	smallSize = 64 << 20
)

func TestMain(m *testing.M) {
	pluginhost.ServeIfAskedByVelero()
	os.Exit(m.Run())
}

// pattern is a stream of n bytes cycling through one random MiB: cheap to produce, so the producer
// never limits either contender, and not compressible by anything on the way.
type pattern struct {
	block []byte
	off   int64
	n     int64
}

func newPattern(n int64) *pattern {
	b := make([]byte, 1<<20)
	_, _ = rand.Read(b)
	return &pattern{block: b, n: n}
}

func (p *pattern) Read(dst []byte) (int, error) {
	if p.off >= p.n {
		return 0, io.EOF
	}
	if rem := p.n - p.off; int64(len(dst)) > rem {
		dst = dst[:rem]
	}
	i := int(p.off % int64(len(p.block)))
	c := copy(dst, p.block[i:])
	p.off += int64(c)
	return c, nil
}

// rawPut is the baseline: one HTTP PUT of the whole body on one connection, V1-signed by hand.
func rawPut(url, key string, size int64) error {
	req, err := http.NewRequest(http.MethodPut, url+"/"+bucket+"/"+key, newPattern(size))
	if err != nil {
		return err
	}
	req.ContentLength = size
	date := time.Now().UTC().Format(http.TimeFormat)
	req.Header.Set("Date", date)
	req.Header.Set("Content-Type", "application/octet-stream")
	mac := hmac.New(sha1.New, []byte(sk))
	fmt.Fprintf(mac, "PUT\n\napplication/octet-stream\n%s\n/%s/%s", date, bucket, key)
	req.Header.Set("Authorization", "OSS "+ak+":"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("raw put: %s: %s", resp.Status, body)
	}
	return nil
}

type putter interface {
	PutObject(bucket, key string, body io.Reader) error
}

var mgr interface{ CleanupClients() }

// newStore starts a plugin process through Velero's plugin manager and initialises a location in it.
func newStore(b *testing.B, url, credsFile string) putter {
	log := logrus.New()
	log.SetOutput(io.Discard)
	m := pluginhost.NewManager(b, log)
	mgr = m
	store, err := m.GetObjectStore("alibabacloud")
	require.NoError(b, err)
	require.NoError(b, store.Init(map[string]string{
		"bucket": bucket, "region": "cn-hangzhou", "endpoint": url,
		"credentialsFile": credsFile, "notOnECS": "true",
	}))
	return store
}

// pluginPeak is the peak resident memory of the one running plugin process.
func pluginPeak(b *testing.B) int64 {
	pids := pluginhost.PluginPIDs()
	require.Len(b, pids, 1, "one plugin process")
	peak, err := procfs.PeakRSS(pids[0])
	require.NoError(b, err)
	return peak
}

func timed(fn func() error) (time.Duration, error) {
	start := time.Now()
	err := fn()
	return time.Since(start), err
}

func mbps(size int64, d time.Duration) float64 { return float64(size) / d.Seconds() / (1 << 20) }

// BenchmarkUpload reports, from one run: LAN and WAN throughput of raw PUT and plugin upload, their
// ratios, and the plugin process's peak resident memory.
func BenchmarkUpload(b *testing.B) {
	for i := 0; i < b.N; i++ {
		em := emulatortest.NewServer(b, emulator.Options{
			DataDir:     filepath.Join(b.TempDir(), "oss"),
			Credentials: []emulator.Credential{{AccessKeyID: ak, AccessKeySecret: sk}},
			Buckets:     []string{bucket},
		})
		credsFile := filepath.Join(b.TempDir(), "cloud")
		require.NoError(b, os.WriteFile(credsFile, []byte("ALIBABA_CLOUD_ACCESS_KEY_ID="+ak+"\nALIBABA_CLOUD_ACCESS_KEY_SECRET="+sk+"\n"), 0o600))
		store := newStore(b, em.URL, credsFile)

		run := func(label string, size int64) (raw, plugin time.Duration) {
			raw, err := timed(func() error { return rawPut(em.URL, label+"-raw", size) })
			require.NoError(b, err)
			plugin, err = timed(func() error { return store.PutObject(bucket, label+"-plugin", newPattern(size)) })
			require.NoError(b, err)
			info, err := em.OSS().ObjectInfo(bucket, label+"-plugin")
			require.NoError(b, err)
			require.Equal(b, size, info.Size)
			return raw, plugin
		}

		lanRaw, lanPlugin := run("lan", lanSize)
		// The same upload without Velero's plugin transport, to show what the gRPC hop costs.
		direct, err := oss.New(oss.Config{Region: "cn-hangzhou", Endpoint: em.URL, SignatureVersion: 4,
			Credentials: staticCreds{AccessKeyID: ak, AccessKeySecret: sk}})
		require.NoError(b, err)
		lanDirect, err := timed(func() error {
			return direct.PutObject(context.Background(), bucket, "lan-direct", newPattern(lanSize))
		})
		require.NoError(b, err)
		em.Faults().SetNetwork(wanDelay, wanRate)
		wanRaw, wanPlugin := run("wan", wanSize)
		em.Faults().SetNetwork(0, 0)

		peak := pluginPeak(b)
		mgr.CleanupClients()
		// A fresh plugin process for a small object: peak memory must not grow with the object.
		small := newStore(b, em.URL, credsFile)
		require.NoError(b, small.PutObject(bucket, "small-plugin", newPattern(smallSize)))
		smallPeak := pluginPeak(b)

		lanRatio := lanRaw.Seconds() / lanPlugin.Seconds()
		wanRatio := wanRaw.Seconds() / wanPlugin.Seconds()
		directRatio := lanRaw.Seconds() / lanDirect.Seconds()
		b.ReportMetric(lanRatio, "lan-ratio")
		b.ReportMetric(directRatio, "lan-client-ratio")
		b.ReportMetric(wanRatio, "wan-ratio")
		b.ReportMetric(float64(peak)/(1<<20), "plugin-peak-MiB")
		b.ReportMetric(float64(smallPeak)/(1<<20), "plugin-peak-64MiB-object-MiB")
		fmt.Printf("\nupload throughput (same emulator, same run; ratio = plugin / raw single-stream PUT)\n")
		fmt.Printf("  %-34s %9s %9s %7s\n", "", "raw MiB/s", "plugin", "ratio")
		fmt.Printf("  %-34s %9.1f %9.1f %7.2f\n", "LAN, 1 GiB", mbps(lanSize, lanRaw), mbps(lanSize, lanPlugin), lanRatio)
		fmt.Printf("  %-34s %9.1f %9.1f %7.2f\n", "LAN, 1 GiB, client without gRPC hop", mbps(lanSize, lanRaw), mbps(lanSize, lanDirect), directRatio)
		fmt.Printf("  %-34s %9.1f %9.1f %7.2f\n", "WAN 40 ms + 50 Mbit/s/conn, 256 MiB", mbps(wanSize, wanRaw), mbps(wanSize, wanPlugin), wanRatio)
		fmt.Printf("  plugin process peak RSS (VmHWM): %.0f MiB after 1 GiB + 256 MiB, %.0f MiB after 64 MiB\n",
			float64(peak)/(1<<20), float64(smallPeak)/(1<<20))
		fmt.Printf("  (part buffers: %d MiB part x (%d parallel + 2) = %d MiB)\n", oss.DefaultPartSize>>20,
			oss.DefaultParallelism, (oss.DefaultParallelism+2)*oss.DefaultPartSize>>20)
	}
}
