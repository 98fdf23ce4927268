//go:build e2e

package suite

import (
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/ecs"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/harness"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/metadata/metadatatest"
)

// switchKMSKey is the key velero server's environment names, as a user of the existing plugin set it.
const switchKMSKey = "key-hzz62f1cb66fa42qo6fu7"

// switchLocations are BackupStorageLocations as users of the existing open-source plugin
// (AliyunContainerService/velero-plugin) have them: `velero install --backup-location-config
// region=<REGION>,network=<NETWORK>` of its README, a zone (it takes one key list for both location
// kinds), and its install/01-velero.yaml without the region (it then asks the ECS metadata service).
// The test has no cloud, so each also names the emulator as its endpoint; credentials come from the
// file `velero install --secret-file` mounts, as there.
const switchLocations = `apiVersion: velero.io/v1
kind: BackupStorageLocation
metadata: {name: default, namespace: velero, labels: {component: velero}}
spec:
  provider: alibabacloud
  default: true
  objectStorage: {bucket: %[1]s, prefix: switch/default}
  config: {region: %[2]s, network: internal, endpoint: "%[3]s"}
---
apiVersion: velero.io/v1
kind: BackupStorageLocation
metadata: {name: zoned, namespace: velero, labels: {component: velero}}
spec:
  provider: alibabacloud
  objectStorage: {bucket: %[1]s, prefix: switch/zoned}
  config: {region: %[2]s, zone: %[2]s-h, network: internal, endpoint: "%[3]s"}
---
apiVersion: velero.io/v1
kind: BackupStorageLocation
metadata: {name: no-region, namespace: velero, labels: {component: velero}}
spec:
  provider: alibabacloud
  objectStorage: {bucket: %[1]s, prefix: switch/no-region}
  config: {endpoint: "%[3]s"}
`

// switchSnapshotLocations are VolumeSnapshotLocations as users of the existing plugin have them: `velero
// install --snapshot-location-config region=<REGION>` of its README, with the network key it took on both
// location kinds, and one without a region (it then asked the ECS metadata service).
const switchSnapshotLocations = `apiVersion: velero.io/v1
kind: VolumeSnapshotLocation
metadata: {name: default, namespace: velero, labels: {component: velero}}
spec:
  provider: alibabacloud
  config: {region: %[1]s, network: internal, endpoint: "%[2]s"}
---
apiVersion: velero.io/v1
kind: VolumeSnapshotLocation
metadata: {name: no-region, namespace: velero, labels: {component: velero}}
spec:
  provider: alibabacloud
  config: {network: public, endpoint: "%[2]s"}
`

// A cluster switched from the existing plugin to ours, changing nothing but the plugin image: its
// locations become Available, new backups through each are encrypted with the KMS key of
// ALIBABA_CLOUD_ENCRYPTION_KEY_ID, and they read back and restore; its snapshot locations snapshot disks.
func TestSwitchFromTheExistingPlugin(t *testing.T) {
	parallel(t)
	imds := metadatatest.NewServer(t, metadatatest.Options{Region: env.cloud.Region})
	c, err := env.session.StartClusterWith(ctx(t), "switch", harness.ClusterOptions{VeleroServerEnv: []string{
		"ALIBABA_CLOUD_CREDENTIALS_FILE=" + env.cloud.SecretFile,
		"ALIBABA_CLOUD_ENCRYPTION_KEY_ID=" + switchKMSKey,
		"ALIBABA_CLOUD_IMDS_ENDPOINT=" + imds.URL,
	}})
	if c != nil {
		t.Cleanup(c.Stop)
	}
	require.NoError(t, err)
	require.NoError(t, c.InstallVelero(ctx(t)))
	_, err = c.Kubectl(ctx(t), strings.NewReader(fmt.Sprintf(switchLocations, vault, env.cloud.Region, env.cloud.Endpoint)), "apply", "-f", "-")
	require.NoError(t, err)
	require.NoError(t, c.StartVelero(ctx(t)))
	locations := []string{"default", "zoned", "no-region"}
	for _, loc := range locations {
		require.NoError(t, c.WaitForLocation(ctx(t), loc, time.Minute), loc)
	}

	deployWorkload(t, c, "switch-ns")
	for _, loc := range locations {
		name := "switch-" + loc
		backup(t, c, name, "--include-namespaces", "switch-ns", "--storage-location", loc)
		prefix := "switch/" + loc + "/"
		objs, err := env.cloud.Objects(ctx(t), vault, prefix+"backups/"+name+"/")
		require.NoError(t, err)
		stored := make([]string, 0, len(objs))
		for _, o := range objs {
			stored = append(stored, o.Key)
			assert.Equal(t, "KMS", o.ServerSideEncryption, o.Key)
			assert.Equal(t, switchKMSKey, o.ServerSideEncryptionKeyID, o.Key)
		}
		assert.ElementsMatch(t, backupKeys(prefix, name), stored)
	}

	logs, err := c.Velero(ctx(t), "backup", "logs", "switch-zoned")
	require.NoError(t, err)
	assert.Contains(t, logs, "Backed up a total of")
	restore(t, c, "switch-no-region", "switch-no-region", "--namespace-mappings", "switch-ns:switch-ns-restored")
	t.Cleanup(func() { _, _ = c.Kubectl(ctx(t), nil, "delete", "namespace", "switch-ns-restored", "--wait=false") })
	assert.Equal(t, settings(t, c, "switch-ns"), settings(t, c, "switch-ns-restored"))

	// Snapshot locations come last: with two of them, every backup must name the one it uses.
	_, err = c.Kubectl(ctx(t), strings.NewReader(fmt.Sprintf(switchSnapshotLocations, env.cloud.Region, env.cloud.Endpoint)), "apply", "-f", "-")
	require.NoError(t, err)
	disk, err := env.cloud.AddDisk(ctx(t), ecs.DiskSpec{Region: env.cloud.Region, Zone: env.cloud.Region + "-h",
		Category: "cloud_essd", PerformanceLevel: "PL1", SizeGiB: 40, Status: "In_use"})
	require.NoError(t, err)
	manifest := fmt.Sprintf("apiVersion: v1\nkind: Namespace\nmetadata: {name: switch-disks}\n---\n"+diskVolume, disk.ID, "data", disk.Zone, disk.SizeGiB, "switch-disks")
	_, err = c.Kubectl(ctx(t), strings.NewReader(manifest), "apply", "-f", "-")
	require.NoError(t, err)
	waitBound(t, c, "switch-disks", "data")
	for _, vsl := range []string{"default", "no-region"} {
		b := backup(t, c, "switch-disks-"+vsl, "--include-namespaces", "switch-disks", "--snapshot-volumes", "--volume-snapshot-locations", vsl)
		assert.Equal(t, 1, b.Status.VolumeSnapshotsCompleted, "snapshot location %s", vsl)
		assert.Len(t, backupSnapshots(t, "switch-disks-"+vsl), 1, "snapshot location %s", vsl)
	}

	assert.Positive(t, imds.RegionLookups(), "the locations without a region asked the ECS metadata service")
	serverLog, err := os.ReadFile(c.VeleroServer().LogPath)
	require.NoError(t, err)
	for _, want := range []string{
		// The server's text log escapes the quotes around key names, so the needles avoid them.
		"is not set: using region " + env.cloud.Region + " of this node, from the ECS metadata service; set",
		"is accepted for locations written for the existing Alibaba plugin and ignored",
		"new backup objects are encrypted with SSE-KMS using key " + switchKMSKey + " from ALIBABA_CLOUD_ENCRYPTION_KEY_ID",
		"config key network is accepted for compatibility with the existing plugin and ignored",
		"config key region is not set: using " + env.cloud.Region + ", from the ECS metadata service",
	} {
		assert.True(t, strings.Contains(string(serverLog), want), "velero server's log says %q", want)
	}
}

// With network: internal (what ACK clusters use) the velero CLI on a workstation gets URLs signed on an
// endpoint it can reach. Here data goes to the emulator as 127.0.0.1 and publicEndpoint names the same
// emulator as [::ffff:127.0.0.1]: `velero backup logs` works, and its URL has the override's host.
func TestCLIReadsThroughThePublicEndpoint(t *testing.T) {
	parallel(t)
	u, err := url.Parse(env.cloud.Endpoint)
	require.NoError(t, err)
	publicHost := "[::ffff:127.0.0.1]:" + u.Port()
	_, err = env.a.Velero(ctx(t), "backup-location", "create", "public-endpoint", "--provider", "alibabacloud",
		"--bucket", vault, "--prefix", "switch/public-endpoint", "--credential", credsSecret+"=cloud",
		"--config", "region="+env.cloud.Region+",network=internal,endpoint="+env.cloud.Endpoint+",publicEndpoint=http://"+publicHost)
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = env.a.Velero(ctx(t), "backup-location", "delete", "public-endpoint", "--confirm") })
	require.NoError(t, env.a.WaitForLocation(ctx(t), "public-endpoint", time.Minute))
	deployWorkload(t, env.a, "public-endpoint-ns")
	backup(t, env.a, "public-endpoint", "--include-namespaces", "public-endpoint-ns", "--storage-location", "public-endpoint")

	logs, err := env.a.Velero(ctx(t), "backup", "logs", "public-endpoint")
	require.NoError(t, err)
	assert.Contains(t, logs, "Backed up a total of")
	details, err := env.a.Velero(ctx(t), "backup", "describe", "public-endpoint", "--details")
	require.NoError(t, err)
	assert.Contains(t, details, "public-endpoint-ns/settings")

	var requests velerov1.DownloadRequestList
	require.NoError(t, env.a.Client.List(ctx(t), &requests, client.InNamespace(harness.VeleroNamespace)))
	var hosts []string
	for _, r := range requests.Items {
		if r.Spec.Target.Name == "public-endpoint" && r.Status.DownloadURL != "" {
			signed, err := url.Parse(r.Status.DownloadURL)
			require.NoError(t, err)
			hosts = append(hosts, signed.Host)
		}
	}
	require.NotEmpty(t, hosts, "the CLI's download requests are kept until they expire")
	for _, h := range hosts {
		assert.Equal(t, publicHost, h)
	}
}
