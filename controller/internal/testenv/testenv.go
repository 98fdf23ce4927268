// Package testenv gives the controller's tests an environment: the emulator's HBR and ECS over HTTP
// reached by the real clients, nodes whose hbr-client agents read a temporary directory, and env.Env.
// Only tests import it.
package testenv

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/require"
	"k8s.io/utils/clock"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/controller/internal/env"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/emulatortest"
	emuhbr "github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/hbr"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/credentials"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/ecs"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/hbr"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/kubelet"
)

const (
	Region      = "cn-hangzhou"
	Namespace   = "velero"
	Identity    = "5b0f3c6a-1e2d-4c1b-9a7e-kube-system"
	accessKey   = "LTAI-csdr-controller-test"
	secretKey   = "csdr-controller-test-secret"
	kubeletRoot = kubelet.DefaultRoot
)

// Env is a running emulator and the env.Env that reaches it.
type Env struct {
	Srv  *emulatortest.Server
	Env  env.Env
	Logs *test.Hook
}

type staticCreds credentials.Credentials

func (s staticCreds) Credentials(context.Context) (credentials.Credentials, error) {
	return credentials.Credentials(s), nil
}

// New starts an emulator whose jobs start at once and run at throughput bytes per second
// (emuhbr.Unlimited for no limit).
func New(t *testing.T, throughput int64) *Env {
	t.Helper()
	srv := emulatortest.NewServer(t, emulator.Options{Region: Region,
		Credentials: []emulator.Credential{{AccessKeyID: accessKey, AccessKeySecret: secretKey}},
		HBR:         emuhbr.Options{Throughput: throughput, JobStartDelay: emuhbr.Instant, VaultInitDelay: emuhbr.Instant}})
	log, hook := test.NewNullLogger()
	log.SetLevel(logrus.DebugLevel)
	e := env.Env{Namespace: Namespace, Region: Region, Identity: Identity, PodsDir: kubelet.DefaultPodsDir,
		ConfigMap: "csdr-config", TokenSecret: "csdr-hbr-token", ResyncPeriod: 20 * time.Millisecond,
		Clock: clock.RealClock{}, Log: log}
	e.NewHBR = func() (hbr.Client, error) { return NewHBR(t, srv) }
	e.NewECS = func() (ecs.Client, error) { return NewECS(t, srv) }
	return &Env{Srv: srv, Env: e, Logs: hook}
}

// NewHBR is a real HBR client on the emulator with a throttle of its own.
func NewHBR(t *testing.T, srv *emulatortest.Server) (hbr.Client, error) {
	t.Helper()
	return hbr.New(hbr.Config{Endpoint: srv.URL, Credentials: staticCreds{AccessKeyID: accessKey, AccessKeySecret: secretKey},
		Clock: clock.RealClock{}, CallTimeout: 10 * time.Second})
}

// NewECS is a real ECS client on the emulator with a throttle of its own.
func NewECS(t *testing.T, srv *emulatortest.Server) (ecs.Client, error) {
	t.Helper()
	return ecs.New(ecs.Config{Endpoint: srv.URL, Credentials: staticCreds{AccessKeyID: accessKey, AccessKeySecret: secretKey},
		Clock: clock.RealClock{}, CallTimeout: 10 * time.Second})
}

// Node is a node whose hbr-client agent reads RootDir as its "/".
type Node struct{ Name, IP, RootDir string }

// AddAgent registers the hbr-client of a node of the test's cluster.
func (e *Env) AddAgent(t *testing.T, name, ip string) Node {
	t.Helper()
	n := Node{Name: name, IP: ip, RootDir: t.TempDir()}
	_, err := e.Srv.HBR().AddAgent(emuhbr.Agent{Cluster: Identity, Node: name, IP: ip, Region: Region,
		RootDir: n.RootDir, KubeletRoot: kubeletRoot})
	require.NoError(t, err)
	return n
}

// WriteFiles writes files (relative name -> content) under a node path of n.
func (n Node) WriteFiles(t *testing.T, nodePath string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(n.RootDir, nodePath, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
}

// State is the emulator's HBR state.
func (e *Env) State() emuhbr.State { return e.Srv.HBR().State() }
