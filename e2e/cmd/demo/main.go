// Command demo is `make demo` until the local control plane lands: two Velero "servers" (two plugin
// managers, each with its own plugin process) share one backup vault on the emulator. Server A writes a
// backup through Velero's own backup store code and our plugin; server B finds it through the vault
// alone, reads it back, downloads it through a signed URL as `velero backup download` does, and deletes it.
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	"github.com/vmware-tanzu/velero/pkg/persistence"
	"github.com/vmware-tanzu/velero/pkg/plugin/clientmgmt"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/pluginhost"
)

const (
	bucket  = "cnfs-oss-demo"
	demoAK  = "LTAIdemoAccessKey"
	demoSK  = "demo-secret-not-real"
	backup  = "nginx-b1"
	nsCount = 40 // resources in the demo backup
)

func main() {
	pluginhost.ServeIfAskedByVelero()
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "\nDEMO FAILED: %v\n", err)
		os.Exit(1)
	}
}

type step struct {
	name string
	took time.Duration
}

func run() error {
	work, err := os.MkdirTemp("", "csdr-demo-")
	if err != nil {
		return err
	}
	var steps []step
	do := func(name string, fn func() error) error {
		fmt.Printf("==> %s\n", name)
		start := time.Now()
		err := fn()
		steps = append(steps, step{name, time.Since(start)})
		return err
	}

	pluginDir := filepath.Join(work, "plugins")
	if err := do("build the plugin binary", func() error {
		if err := os.MkdirAll(pluginDir, 0o755); err != nil {
			return err
		}
		return pluginhost.Build(pluginDir)
	}); err != nil {
		return err
	}

	em, url, err := startEmulator(filepath.Join(work, "oss"))
	if err != nil {
		return err
	}
	defer em.Close()
	// Ctrl-C still stops the plugin processes and the emulator.
	managers := []clientmgmt.Manager{}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-stop
		for _, m := range managers {
			m.CleanupClients()
		}
		em.Close()
		os.Exit(130)
	}()
	defer func() {
		for _, m := range managers {
			m.CleanupClients()
		}
	}()

	credsFile := filepath.Join(work, "credentials-velero")
	if err := os.WriteFile(credsFile, []byte("ALIBABA_CLOUD_ACCESS_KEY_ID="+demoAK+"\nALIBABA_CLOUD_ACCESS_KEY_SECRET="+demoSK+"\n"), 0o600); err != nil {
		return err
	}
	fmt.Printf("    emulated OSS at %s, vault bucket %s, data in %s\n", url, bucket, filepath.Join(work, "oss"))
	fmt.Printf("    what a user types for the same location:\n")
	fmt.Printf("    $ velero backup-location create default --provider alibabacloud --bucket %s --prefix demo \\\n", bucket)
	fmt.Printf("        --config region=cn-hangzhou,endpoint=%s,network=public\n", url)

	storeFor := func(server string) (persistence.BackupStore, error) {
		log := logrus.New()
		log.SetOutput(io.Discard)
		m, err := pluginhost.Start(pluginDir, log)
		if err != nil {
			return nil, err
		}
		managers = append(managers, m)
		loc := location(url, credsFile)
		return persistence.NewObjectBackupStoreGetter(nil).Get(loc, m, log.WithField("server", server))
	}

	var storeA, storeB persistence.BackupStore
	contents := backupContents()
	if err := do("server A: validate the location and upload backup "+backup, func() error {
		if storeA, err = storeFor("A"); err != nil {
			return err
		}
		if err := storeA.IsValid(); err != nil {
			return err
		}
		meta, _ := json.Marshal(&velerov1.Backup{
			TypeMeta:   metav1.TypeMeta{APIVersion: "velero.io/v1", Kind: "Backup"},
			ObjectMeta: metav1.ObjectMeta{Name: backup, Namespace: "velero"},
			Spec:       velerov1.BackupSpec{IncludedNamespaces: []string{"demo"}},
			Status:     velerov1.BackupStatus{Phase: velerov1.BackupPhaseCompleted},
		})
		return storeA.PutBackup(persistence.BackupInfo{
			Name: backup, Metadata: bytes.NewReader(meta), Contents: bytes.NewReader(contents),
			Log: bytes.NewReader(gz([]byte("level=info msg=\"backup completed\"\n"))),
		})
	}); err != nil {
		return err
	}

	var found []string
	if err := do("server B: find the backup through the shared vault only", func() error {
		if storeB, err = storeFor("B"); err != nil {
			return err
		}
		if found, err = storeB.ListBackups(); err != nil {
			return err
		}
		meta, err := storeB.GetBackupMetadata(backup)
		if err != nil {
			return err
		}
		if meta.Status.Phase != velerov1.BackupPhaseCompleted {
			return fmt.Errorf("backup %s is %s in the vault", backup, meta.Status.Phase)
		}
		return nil
	}); err != nil {
		return err
	}

	var restored []string
	if err := do("server B: download the backup through a signed URL (velero backup download)", func() error {
		u, err := storeB.GetDownloadURL(velerov1.DownloadTarget{Kind: velerov1.DownloadTargetKindBackupContents, Name: backup})
		if err != nil {
			return err
		}
		resp, err := http.Get(u)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("signed URL answered %s", resp.Status)
		}
		restored, err = listTar(resp.Body)
		return err
	}); err != nil {
		return err
	}
	if len(restored) != nsCount {
		return fmt.Errorf("downloaded backup holds %d resources, want %d", len(restored), nsCount)
	}

	var objects []string
	if err := do("server B: delete the backup (velero backup delete)", func() error {
		objects, _ = em.OSS().ListKeys(bucket, "demo/backups/"+backup+"/")
		if err := storeB.DeleteBackup(backup); err != nil {
			return err
		}
		left, err := em.OSS().ListKeys(bucket, "demo/backups/")
		if err != nil {
			return err
		}
		if len(left) != 0 {
			return fmt.Errorf("objects left after delete: %v", left)
		}
		return nil
	}); err != nil {
		return err
	}

	fmt.Printf("\nREPORT\n")
	fmt.Printf("  backup %q: %d resources, %d bytes compressed, written by server A\n", backup, nsCount, len(contents))
	fmt.Printf("  server B listed backups %v from the vault and downloaded %d resources\n", found, len(restored))
	fmt.Printf("  objects the backup had in the vault (bucket %s):\n", bucket)
	for _, k := range objects {
		fmt.Printf("    %s\n", k)
	}
	fmt.Printf("  steps:\n")
	for _, s := range steps {
		fmt.Printf("    %-75s %6.2fs\n", s.name, s.took.Seconds())
	}
	fmt.Printf("DEMO OK\n")
	return os.RemoveAll(work)
}

func startEmulator(dir string) (*emulator.Emulator, string, error) {
	em, err := emulator.New(emulator.Options{
		DataDir:     dir,
		Credentials: []emulator.Credential{{AccessKeyID: demoAK, AccessKeySecret: demoSK}},
		Buckets:     []string{bucket},
	})
	if err != nil {
		return nil, "", err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	go func() { _ = em.Serve(l) }()
	return em, "http://" + l.Addr().String(), nil
}

func location(url, credsFile string) *velerov1.BackupStorageLocation {
	return &velerov1.BackupStorageLocation{
		ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: "velero"},
		Spec: velerov1.BackupStorageLocationSpec{
			Provider: "alibabacloud",
			StorageType: velerov1.StorageType{ObjectStorage: &velerov1.ObjectStorageLocation{
				Bucket: bucket, Prefix: "demo",
			}},
			Config: map[string]string{
				"region": "cn-hangzhou", "endpoint": url, "network": "public",
				"credentialsFile": credsFile, "notOnECS": "true",
			},
		},
	}
}

// backupContents is a Velero-shaped backup tarball: resources/<group>/namespaces/<ns>/<name>.json.
func backupContents() []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for i := 0; i < nsCount; i++ {
		body, _ := json.Marshal(map[string]any{
			"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{"name": fmt.Sprintf("cm-%02d", i), "namespace": "demo"},
			"data":     map[string]string{"index": fmt.Sprint(i)},
		})
		name := fmt.Sprintf("resources/configmaps/namespaces/demo/cm-%02d.json", i)
		_ = tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), ModTime: time.Now()})
		_, _ = tw.Write(body)
	}
	_ = tw.Close()
	_ = zw.Close()
	return buf.Bytes()
}

func listTar(r io.Reader) ([]string, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(zr)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names, nil
		}
		if err != nil {
			return nil, err
		}
		names = append(names, h.Name)
	}
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}
