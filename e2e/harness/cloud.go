package harness

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/faults"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/oss"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/credentials"
	osscloud "github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/oss"
)

// Cloud is the emulated Alibaba Cloud every cluster of a session shares: one emulator process.
type Cloud struct {
	// Endpoint is the OSS endpoint a BackupStorageLocation's config names.
	Endpoint string
	Region   string
	// SecretFile is a Velero credentials file (the format `velero install --secret-file` takes) with the
	// only key the emulator accepts.
	SecretFile string
	// AccessKeySecret is never printed; tests look for it in logs to prove that nothing leaks it.
	AccessKeySecret string
	DataDir         string

	accessKeyID string
	proc        *Process
	http        *http.Client
}

// StartCloud starts the emulator with the given buckets and a fresh random key pair.
func (s *Session) StartCloud(ctx context.Context, buckets ...string) (*Cloud, error) {
	dir := filepath.Join(s.Dir, "cloud")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	id, secret := "LTAI"+randomHex(10), randomHex(15)
	c := &Cloud{Region: emulator.DefaultRegion, SecretFile: filepath.Join(dir, "credentials-velero"),
		AccessKeySecret: secret, accessKeyID: id, DataDir: filepath.Join(dir, "data"), http: &http.Client{Timeout: 30 * time.Second}}
	emulatorKeys := filepath.Join(dir, "emulator-keys")
	if err := os.WriteFile(emulatorKeys, []byte(id+" "+secret+"\n"), 0o600); err != nil {
		return nil, err
	}
	secretFile := fmt.Sprintf("ALIBABA_CLOUD_ACCESS_KEY_ID=%s\nALIBABA_CLOUD_ACCESS_KEY_SECRET=%s\n", id, secret)
	if err := os.WriteFile(c.SecretFile, []byte(secretFile), 0o600); err != nil {
		return nil, err
	}
	ports, err := freePorts(1)
	if err != nil {
		return nil, err
	}
	c.Endpoint = "http://" + loopback(ports[0])
	args := []string{"-addr=" + loopback(ports[0]), "-data=" + c.DataDir, "-region=" + c.Region, "-credentials-file=" + emulatorKeys}
	for _, b := range buckets {
		args = append(args, "-bucket="+b)
	}
	if c.proc, err = s.Procs.Start("cloud/alibabacloud-emulator", filepath.Join(dir, "logs", "emulator.log"), os.Environ(),
		s.Bins.Emulator, args...); err != nil {
		return nil, err
	}
	err = waitFor(ctx, 30*time.Second, "the emulator", c.proc, func(ctx context.Context) error {
		return httpOK(ctx, c.http, c.Endpoint+"/_admin/state", "")
	})
	if err == nil {
		s.cloud.Store(c) // clusters' CSI layers create disks there from now on
	}
	return c, err
}

// OSS is a client of the emulated OSS through the same code the plugin uses (the real SDK): its reads
// check every object's CRC-64.
func (c *Cloud) OSS() (osscloud.Client, error) {
	return osscloud.New(osscloud.Config{Region: c.Region, Endpoint: c.Endpoint,
		Credentials: staticCredentials{AccessKeyID: c.accessKeyID, AccessKeySecret: c.AccessKeySecret}})
}

type staticCredentials credentials.Credentials

func (s staticCredentials) Credentials(context.Context) (credentials.Credentials, error) {
	return credentials.Credentials(s), nil
}

// Process is the emulator's process.
func (c *Cloud) Process() *Process { return c.proc }

// SetBucketOnline takes a bucket away (requests get NoSuchBucket; its objects are kept) or brings it back.
func (c *Cloud) SetBucketOnline(ctx context.Context, bucket string, online bool) error {
	verb := "offline"
	if online {
		verb = "online"
	}
	return c.admin(ctx, http.MethodPost, "/buckets/"+bucket+"/"+verb, nil, nil)
}

// AddFault injects a fault and returns its ID.
func (c *Cloud) AddFault(ctx context.Context, f faults.Fault) (string, error) {
	var out struct{ ID string }
	return out.ID, c.admin(ctx, http.MethodPost, "/faults", f, &out)
}

// RemoveFault stops an injected fault; one that is already gone is no error.
func (c *Cloud) RemoveFault(ctx context.Context, id string) error {
	err := c.admin(ctx, http.MethodDelete, "/faults/"+id, nil, nil)
	var ae *adminError
	if errors.As(err, &ae) && ae.status == http.StatusNotFound {
		return nil
	}
	return err
}

// Faults lists the injected faults with how often each fired.
func (c *Cloud) Faults(ctx context.Context) ([]faults.Active, error) {
	var out []faults.Active
	return out, c.admin(ctx, http.MethodGet, "/faults", nil, &out)
}

// ClearFaults removes every injected fault.
func (c *Cloud) ClearFaults(ctx context.Context) error {
	return c.admin(ctx, http.MethodDelete, "/faults", nil, nil)
}

// Objects lists the objects under prefix in bucket, as the emulator stores them.
func (c *Cloud) Objects(ctx context.Context, bucket, prefix string) ([]oss.ObjectMeta, error) {
	var out []oss.ObjectMeta
	return out, c.admin(ctx, http.MethodGet, "/buckets/"+bucket+"/objects?prefix="+prefix, nil, &out)
}

// State is everything the emulator reports: buckets, multipart uploads in progress, request counters.
func (c *Cloud) State(ctx context.Context) (emulator.State, error) {
	var out emulator.State
	return out, c.admin(ctx, http.MethodGet, "/state", nil, &out)
}

func (c *Cloud) admin(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Endpoint+"/_admin"+path, body)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("emulator admin %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return &adminError{status: resp.StatusCode,
			msg: fmt.Sprintf("emulator admin %s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(data)))}
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

type adminError struct {
	status int
	msg    string
}

func (e *adminError) Error() string { return e.msg }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
