//go:build e2e

package suite

import (
	"encoding/base64"
	"errors"
	"fmt"
	"maps"

	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/credentials"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/restoreconfig"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/objectstore/bslconfig"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/volumesnapshotter/vslconfig"
)

// The chart's plugin volume, and where the Velero server mounts it and looks for plugins.
const (
	pluginsVolume   = "plugins"
	veleroPluginDir = "/plugins"
)

// checkHelmRender checks what the chart rendered from values against what our plugin and Velero need,
// with the plugin's own parsers, and returns every problem it finds. copyTarget is where our image's
// copier writes (copierTarget).
func checkHelmRender(docs []*unstructured.Unstructured, values map[string]any, copyTarget string) error {
	var deploy appsv1.Deployment
	if err := only(docs, "Deployment", &deploy); err != nil {
		return err
	}
	secret, err := checkDeployment(&deploy, values, copyTarget)
	if err != nil {
		return err
	}
	return errors.Join(checkCredentials(docs, secret), checkLocations(docs), checkRestoreConfig(docs))
}

// checkDeployment: an init container runs the image the values name and copies into the plugins volume,
// which the server mounts where Velero loads plugins from; the server reads the credentials file from the
// Secret it names, which checkDeployment returns.
func checkDeployment(d *appsv1.Deployment, values map[string]any, copyTarget string) (string, error) {
	inits, _ := values["initContainers"].([]any)
	if len(inits) == 0 {
		return "", errors.New("the values name no init container")
	}
	wantImage, _ := inits[0].(map[string]any)["image"].(string)
	pod := d.Spec.Template.Spec
	var errs []error
	var found bool
	for _, c := range pod.InitContainers {
		if c.Image != wantImage {
			continue
		}
		found = true
		if !mounts(c, pluginsVolume, copyTarget) {
			errs = append(errs, fmt.Errorf("init container %s does not mount volume %s at %s, where the image copies the plugin", c.Name, pluginsVolume, copyTarget))
		}
	}
	if !found {
		errs = append(errs, fmt.Errorf("no init container runs %s", wantImage))
	}
	var server *corev1.Container
	for i := range pod.Containers {
		if pod.Containers[i].Name == "velero" {
			server = &pod.Containers[i]
		}
	}
	if server == nil {
		return "", errors.Join(append(errs, errors.New("no container velero"))...)
	}
	if !mounts(*server, pluginsVolume, veleroPluginDir) {
		errs = append(errs, fmt.Errorf("the server does not mount volume %s at %s", pluginsVolume, veleroPluginDir))
	}
	secret, err := credentialsSecret(pod, *server)
	return secret, errors.Join(append(errs, err)...)
}

// credentialsSecret returns the Secret whose key cloud the server reads as ALIBABA_CLOUD_CREDENTIALS_FILE.
func credentialsSecret(pod corev1.PodSpec, server corev1.Container) (string, error) {
	var file string
	for _, e := range server.Env {
		if e.Name == "ALIBABA_CLOUD_CREDENTIALS_FILE" {
			file = e.Value
		}
	}
	for _, m := range server.VolumeMounts {
		for _, v := range pod.Volumes {
			if v.Name == m.Name && v.Secret != nil && file == m.MountPath+"/cloud" {
				return v.Secret.SecretName, nil
			}
		}
	}
	return "", fmt.Errorf("ALIBABA_CLOUD_CREDENTIALS_FILE=%q is not key cloud of a mounted Secret", file)
}

func checkCredentials(docs []*unstructured.Unstructured, name string) error {
	for _, d := range docs {
		if d.GetKind() != "Secret" || d.GetName() != name {
			continue
		}
		encoded, _, _ := unstructured.NestedString(d.Object, "data", "cloud")
		data, err := base64.StdEncoding.DecodeString(encoded)
		if err != nil {
			return fmt.Errorf("secret %s key cloud: %w", name, err)
		}
		if _, err := credentials.ParseFile(data); err != nil {
			return fmt.Errorf("secret %s key cloud: %w", name, err)
		}
		return nil
	}
	return fmt.Errorf("no secret %s", name)
}

// checkLocations hands each location's config to the plugin's parser, as Velero does in Init: the
// object store also gets the bucket and prefix.
func checkLocations(docs []*unstructured.Unstructured) error {
	var errs []error
	var bsls, vsls int
	for _, d := range docs {
		switch d.GetKind() {
		case "BackupStorageLocation":
			bsls++
			var l velerov1.BackupStorageLocation
			if err := convert(d, &l); err != nil {
				errs = append(errs, err)
				continue
			}
			config := maps.Clone(l.Spec.Config)
			if config == nil {
				config = map[string]string{}
			}
			if store := l.Spec.ObjectStorage; store != nil {
				config["bucket"], config["prefix"] = store.Bucket, store.Prefix
			}
			_, err := bslconfig.ParseConfig(config, bslconfig.Environment{})
			errs = append(errs, providerAndConfig(d, l.Spec.Provider, err))
		case "VolumeSnapshotLocation":
			vsls++
			var l velerov1.VolumeSnapshotLocation
			if err := convert(d, &l); err != nil {
				errs = append(errs, err)
				continue
			}
			_, err := vslconfig.ParseConfig(l.Spec.Config)
			errs = append(errs, providerAndConfig(d, l.Spec.Provider, err))
		}
	}
	if bsls == 0 || vsls == 0 {
		errs = append(errs, fmt.Errorf("%d backup storage locations and %d volume snapshot locations rendered, want one of each at least", bsls, vsls))
	}
	return errors.Join(errs...)
}

func providerAndConfig(d *unstructured.Unstructured, provider string, parseErr error) error {
	var errs []error
	if provider != "alibabacloud" {
		errs = append(errs, fmt.Errorf("%s %s: provider %q, want alibabacloud", d.GetKind(), d.GetName(), provider))
	}
	if parseErr != nil {
		errs = append(errs, fmt.Errorf("%s %s: %w", d.GetKind(), d.GetName(), parseErr))
	}
	return errors.Join(errs...)
}

// checkRestoreConfig: exactly one ConfigMap is what the restore actions select as the global
// configuration, and its rules load.
func checkRestoreConfig(docs []*unstructured.Unstructured) error {
	sel, err := labels.Parse(restoreconfig.GlobalSelector)
	if err != nil {
		return err
	}
	var found []*unstructured.Unstructured
	for _, d := range docs {
		if d.GetKind() == "ConfigMap" && sel.Matches(labels.Set(d.GetLabels())) {
			found = append(found, d)
		}
	}
	if len(found) != 1 {
		return fmt.Errorf("%d configmaps match %s, want 1", len(found), restoreconfig.GlobalSelector)
	}
	var cm corev1.ConfigMap
	if err := convert(found[0], &cm); err != nil {
		return err
	}
	_, err = restoreconfig.Load(&restoreconfig.Source{Name: cm.Namespace + "/" + cm.Name, Data: cm.Data}, nil)
	return err
}

func mounts(c corev1.Container, volume, path string) bool {
	for _, m := range c.VolumeMounts {
		if m.Name == volume && m.MountPath == path {
			return true
		}
	}
	return false
}

// only converts the one document of kind into out.
func only(docs []*unstructured.Unstructured, kind string, out any) error {
	var found []*unstructured.Unstructured
	for _, d := range docs {
		if d.GetKind() == kind {
			found = append(found, d)
		}
	}
	if len(found) != 1 {
		return fmt.Errorf("%d objects of kind %s rendered, want 1", len(found), kind)
	}
	return convert(found[0], out)
}

func convert(d *unstructured.Unstructured, out any) error {
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(d.Object, out); err != nil {
		return fmt.Errorf("read %s %s: %w", d.GetKind(), d.GetName(), err)
	}
	return nil
}
