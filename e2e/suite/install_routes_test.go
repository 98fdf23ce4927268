//go:build e2e

package suite

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/credentials"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/objectstore/bslconfig"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/volumesnapshotter/vslconfig"
)

const installReadme = "examples/velero-install/README.md"

// `velero install --plugins` as examples/velero-install/README.md tells users, rendered by Velero's own
// CLI: the init container runs our image with the plugin directory where the image's copier writes, the
// velero container finds the credentials where our credentials layer reads them, the plugins accept the
// location configs, and the API server accepts the whole install.
func TestInstallWithPlugins(t *testing.T) {
	parallel(t)
	c := env.a
	installs := commandsOf(readmeCommands(t, installReadme, "## 2. Install"), "velero", "install")
	require.Len(t, installs, 1)
	r := renderInstall(t, c, "install-plugins", installs[0])
	spec := r.deployment.Spec.Template.Spec

	t.Run("the init container copies our plugin into Velero's plugin directory", func(t *testing.T) {
		require.Len(t, spec.InitContainers, 1)
		init := spec.InitContainers[0]
		assert.Equal(t, ourImage, init.Image)
		assert.Equal(t, []corev1.VolumeMount{{Name: "plugins", MountPath: copierTarget(t)}}, init.VolumeMounts,
			"the image's copier writes to its CMD's last argument")
		require.NotNil(t, volume(spec, "plugins"))
		assert.NotNil(t, volume(spec, "plugins").EmptyDir)
		assert.Equal(t, "/plugins", mountPath(container(t, spec.Containers, "velero"), "plugins"),
			"velero server's default --plugin-dir")
	})

	t.Run("the plugin reads the credentials where velero install mounts them", func(t *testing.T) {
		velero := container(t, spec.Containers, "velero")
		vol := volume(spec, "cloud-credentials")
		require.NotNil(t, vol)
		require.NotNil(t, vol.Secret)
		secret, ok := r.secrets[vol.Secret.SecretName]
		require.True(t, ok, "the Secret the volume names is rendered")
		mount := mountPath(velero, vol.Name)
		require.NotEmpty(t, mount)

		// Our credentials layer reads the velero container's environment as rendered, with the mount's
		// files put into a temporary directory in its place.
		dir := t.TempDir()
		for key, value := range secret.Data {
			require.NoError(t, os.WriteFile(filepath.Join(dir, key), value, 0o600))
		}
		envs := map[string]string{}
		for _, e := range velero.Env {
			envs[e.Name] = strings.Replace(e.Value, mount, dir, 1)
		}
		p, err := credentials.New(credentials.Options{NotOnECS: true, Getenv: func(k string) string { return envs[k] }})
		require.NoError(t, err, "environment %v", velero.Env)
		assert.Equal(t, "credentials file "+filepath.Join(dir, "cloud")+" (access key)", p.Source())
	})

	t.Run("the plugins accept the location configs and refuse a wrong key", func(t *testing.T) {
		checkLocationConfigs(t, r.locations(t))
	})

	t.Run("the API server accepts the install", func(t *testing.T) {
		r.apply(t, c)
		out, err := c.Kubectl(ctx(t), nil, "-n", "install-plugins", "get", "deployment", "velero",
			"-o", "jsonpath={.spec.template.spec.initContainers[*].image}")
		require.NoError(t, err, out)
		assert.Equal(t, ourImage, out)
	})
}

// The migration target of examples/velero-install/README.md section 3: no location and no secret of its
// own at install, then the source's location, read-only, and a snapshot location of the source's name,
// created with the README's commands.
func TestInstallMigrationTarget(t *testing.T) {
	parallel(t)
	c := env.a
	const ns = "install-target"
	cmds := readmeCommands(t, installReadme, "## 3. Migrate: restore in another cluster")
	installs := commandsOf(cmds, "velero", "install")
	require.Len(t, installs, 1)
	r := renderInstall(t, c, ns, installs[0])
	spec := r.deployment.Spec.Template.Spec
	require.Len(t, spec.InitContainers, 1)
	assert.Equal(t, ourImage, spec.InitContainers[0].Image)
	assert.Nil(t, volume(spec, "cloud-credentials"), "--no-secret mounts no credentials")
	for _, e := range container(t, spec.Containers, "velero").Env {
		assert.NotEqual(t, "ALIBABA_CLOUD_CREDENTIALS_FILE", e.Name, "--no-secret")
	}
	assert.Empty(t, r.locationItems(), "no location at install")
	r.apply(t, c)

	creates := append(commandsOf(cmds, "velero", "snapshot-location", "create"), commandsOf(cmds, "velero", "backup-location", "create")...)
	require.Len(t, creates, 2)
	for _, words := range creates {
		out, err := c.Velero(ctx(t), append(words[1:], "--namespace", ns)...)
		require.NoError(t, err, out)
	}
	var locs installedLocations
	for kind, into := range map[string]any{"backupstoragelocations": &locs.bsls, "volumesnapshotlocations": &locs.vsls} {
		out, err := c.Kubectl(ctx(t), nil, "-n", ns, "get", kind, "-o", "json")
		require.NoError(t, err, out)
		require.NoError(t, json.Unmarshal([]byte(out), into))
	}
	require.Len(t, locs.bsls.Items, 1)
	assert.Equal(t, velerov1.BackupStorageLocationAccessModeReadOnly, locs.bsls.Items[0].Spec.AccessMode)
	require.Len(t, locs.vsls.Items, 1)
	checkLocationConfigs(t, locs)
}

type installedLocations struct {
	bsls velerov1.BackupStorageLocationList
	vsls velerov1.VolumeSnapshotLocationList
}

func (r rendered) locationItems() []string {
	var names []string
	for _, item := range r.items {
		if k := item.GetKind(); k == "BackupStorageLocation" || k == "VolumeSnapshotLocation" {
			names = append(names, k+"/"+item.GetName())
		}
	}
	return names
}

func (r rendered) locations(t *testing.T) installedLocations {
	t.Helper()
	var locs installedLocations
	for _, item := range r.items {
		data, err := item.MarshalJSON()
		require.NoError(t, err)
		switch item.GetKind() {
		case "BackupStorageLocation":
			locs.bsls.Items = append(locs.bsls.Items, velerov1.BackupStorageLocation{})
			require.NoError(t, json.Unmarshal(data, &locs.bsls.Items[len(locs.bsls.Items)-1]))
		case "VolumeSnapshotLocation":
			locs.vsls.Items = append(locs.vsls.Items, velerov1.VolumeSnapshotLocation{})
			require.NoError(t, json.Unmarshal(data, &locs.vsls.Items[len(locs.vsls.Items)-1]))
		}
	}
	require.Len(t, locs.bsls.Items, 1)
	require.Len(t, locs.vsls.Items, 1)
	return locs
}

// checkLocationConfigs runs each location's config through its plugin's parser as Velero hands it over
// (a BackupStorageLocation's bucket and prefix join its config), then again with a misspelt key.
func checkLocationConfigs(t *testing.T, locs installedLocations) {
	t.Helper()
	for _, bsl := range locs.bsls.Items {
		assert.Equal(t, "alibabacloud", bsl.Spec.Provider)
		cfg := map[string]string{"bucket": bsl.Spec.ObjectStorage.Bucket, "prefix": bsl.Spec.ObjectStorage.Prefix}
		for k, v := range bsl.Spec.Config {
			cfg[k] = v
		}
		_, err := bslconfig.ParseConfig(cfg, bslconfig.Environment{})
		assert.NoError(t, err, "BackupStorageLocation %s: %v", bsl.Name, cfg)
		cfg["regoin"] = "cn-hangzhou"
		_, err = bslconfig.ParseConfig(cfg, bslconfig.Environment{})
		assert.ErrorContains(t, err, "regoin", "BackupStorageLocation %s", bsl.Name)
	}
	for _, vsl := range locs.vsls.Items {
		assert.Equal(t, "alibabacloud", vsl.Spec.Provider)
		cfg := map[string]string{}
		for k, v := range vsl.Spec.Config {
			cfg[k] = v
		}
		_, err := vslconfig.ParseConfig(cfg)
		assert.NoError(t, err, "VolumeSnapshotLocation %s: %v", vsl.Name, cfg)
		cfg["zoen"] = "cn-hangzhou-h"
		_, err = vslconfig.ParseConfig(cfg)
		assert.ErrorContains(t, err, "zoen", "VolumeSnapshotLocation %s", vsl.Name)
	}
}

// copierTarget is where the plugin image's copier writes: the last argument of Dockerfile.plugins' CMD.
func copierTarget(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(env.layout.Repo, "Dockerfile.plugins"))
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^CMD (\[.*\])$`).FindSubmatch(data)
	require.NotNil(t, m, "Dockerfile.plugins has an exec-form CMD")
	var args []string
	require.NoError(t, json.Unmarshal(m[1], &args))
	require.NotEmpty(t, args)
	return args[len(args)-1]
}
