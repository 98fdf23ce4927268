package bench

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
)

const (
	// sourceNamespace holds the items cluster A backs up.
	sourceNamespace = "bench"
	// diskClass is the claims' storage class, in every cluster: an ESSD disk class, whose 20 GiB
	// minimum the 10 GiB claims are below.
	diskClass = "alicloud-disk-essd"
	// creators is how many creates run at once: enough to keep two cores busy with the API server.
	creators = 24
)

// kinds is what cluster A gets: 10,000 objects, 6,500 of them of kinds our restore item actions apply
// to, a Service for each Deployment. Harness clusters allocate ClusterIPs from a /24: 60 Services take
// a ClusterIP and the rest are headless.
var kinds = []struct {
	name    string
	count   int
	actions bool // our restore item actions apply to the kind
	create  func(ctx context.Context, cs kubernetes.Interface, i int) error
}{
	{"Deployments (0 replicas)", deployments, true, createDeployment},
	{"Pods (Pending)", 3600, true, createPod},
	{"PersistentVolumeClaims (Pending)", 2300, true, createClaim},
	{"Services (ClusterIP)", 40, true, createService(corev1.ServiceTypeClusterIP, "", 0)},
	{"Services (NodePort)", 20, true, createService(corev1.ServiceTypeNodePort, "", 40)},
	{"Services (headless)", 240, true, createService(corev1.ServiceTypeClusterIP, corev1.ClusterIPNone, 60)},
	{"ConfigMaps", 1750, false, createConfigMap},
	{"Secrets", 1750, false, createSecret},
}

// deployments is how many Deployments there are. After each restore, the target's controller manager
// makes their ReplicaSets and updates their status at 20 requests/s: 300 take it about a minute.
const deployments = 300

func itemsCreated() int {
	n := 0
	for _, k := range kinds {
		n += k.count
	}
	return n
}

func actionItems() int {
	n := 0
	for _, k := range kinds {
		if k.actions {
			n += k.count
		}
	}
	return n
}

// createDiskClass creates the claims' storage class; the target clusters have it too, so the
// restore's storage rules see a disk class with a minimum size.
func createDiskClass(ctx context.Context, cs kubernetes.Interface) error {
	wait := storagev1.VolumeBindingWaitForFirstConsumer
	_, err := cs.StorageV1().StorageClasses().Create(ctx, &storagev1.StorageClass{
		ObjectMeta:        metav1.ObjectMeta{Name: diskClass},
		Provisioner:       "diskplugin.csi.alibabacloud.com",
		Parameters:        map[string]string{"type": "cloud_essd"},
		VolumeBindingMode: &wait,
	}, metav1.CreateOptions{})
	return err
}

// createItems creates the namespace and every object of kinds, many at once, and returns how long it
// took.
func createItems(ctx context.Context, b *testing.B, cs kubernetes.Interface) time.Duration {
	start := time.Now()
	_, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: sourceNamespace}},
		metav1.CreateOptions{})
	require.NoError(b, err)
	// Pods are refused until the service account controller has made the namespace's default account.
	require.NoError(b, poll(ctx, time.Minute, func() error {
		_, err := cs.CoreV1().ServiceAccounts(sourceNamespace).Get(ctx, "default", metav1.GetOptions{})
		return err
	}))
	type job struct{ kind, i int }
	jobs := make(chan job)
	errs := make(chan error, creators)
	var wg sync.WaitGroup
	for range creators {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if err := kinds[j.kind].create(ctx, cs, j.i); err != nil {
					errs <- fmt.Errorf("create %s #%d: %w", kinds[j.kind].name, j.i, err)
					return
				}
			}
		}()
	}
	// Kinds interleave so that every kind is being created while the controllers work.
	go func() {
		defer close(jobs)
		for i := 0; ; i++ {
			sent := false
			for k := range kinds {
				if i < kinds[k].count {
					select {
					case jobs <- job{k, i}:
					case <-ctx.Done():
						return
					}
					sent = true
				}
			}
			if !sent {
				return
			}
		}
	}()
	wg.Wait()
	close(errs)
	require.NoError(b, <-errs)
	return time.Since(start)
}

func objectMeta(name, app string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: sourceNamespace, Labels: map[string]string{"app": app, "tier": "bench"}}
}

func containers(configMap, main, sidecar string) []corev1.Container {
	return []corev1.Container{
		{Name: "app", Image: main, Ports: []corev1.ContainerPort{{ContainerPort: 8080}},
			EnvFrom: []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{
				LocalObjectReference: corev1.LocalObjectReference{Name: configMap}, Optional: ptr(true)}}},
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
				corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")}}},
		{Name: "sidecar", Image: sidecar, Command: []string{"sh", "-c", "sleep infinity"}},
	}
}

func createDeployment(ctx context.Context, cs kubernetes.Interface, i int) error {
	name := fmt.Sprintf("web-%04d", i)
	meta := objectMeta(name, name)
	_, err := cs.AppsV1().Deployments(sourceNamespace).Create(ctx, &appsv1.Deployment{
		ObjectMeta: meta,
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr(int32(0)),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: meta.Labels},
				Spec: corev1.PodSpec{Containers: containers(fmt.Sprintf("config-%04d", i), "docker.io/library/nginx:1.27",
					"docker.io/library/busybox:1.36")},
			},
		},
	}, metav1.CreateOptions{})
	return err
}

// createPod makes a bare Pod without nodeName: in a cluster without nodes it stays Pending.
func createPod(ctx context.Context, cs kubernetes.Interface, i int) error {
	name := fmt.Sprintf("job-%04d", i)
	_, err := cs.CoreV1().Pods(sourceNamespace).Create(ctx, &corev1.Pod{
		ObjectMeta: objectMeta(name, name),
		Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever,
			Containers: containers(fmt.Sprintf("config-%04d", i%1750), "docker.io/library/python:3.12-slim",
				"docker.io/library/redis:7.2")},
	}, metav1.CreateOptions{})
	return err
}

// pendingClaims is how many pending claims each target cluster gets before the restores. The
// controller manager records an event for every pending claim at each claim sync (every 2 s here) and
// sends at most 20 a second: with this many claims it does so from the start of every restore, rather
// than only once the restore has made claims.
const pendingClaims = 600

// createPendingClaims makes namespace ns with n pending claims.
func createPendingClaims(ctx context.Context, cs kubernetes.Interface, ns string, n int) error {
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}},
		metav1.CreateOptions{}); err != nil {
		return err
	}
	for i := range n {
		if err := newClaim(ctx, cs, ns, fmt.Sprintf("data-%04d", i), "seed"); err != nil {
			return err
		}
	}
	return nil
}

func createClaim(ctx context.Context, cs kubernetes.Interface, i int) error {
	return newClaim(ctx, cs, sourceNamespace, fmt.Sprintf("data-%04d", i), fmt.Sprintf("web-%04d", i%deployments))
}

func newClaim(ctx context.Context, cs kubernetes.Interface, ns, name, app string) error {
	meta := objectMeta(name, app)
	meta.Namespace = ns
	_, err := cs.CoreV1().PersistentVolumeClaims(ns).Create(ctx, &corev1.PersistentVolumeClaim{
		ObjectMeta: meta,
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			StorageClassName: ptr(diskClass),
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{
				corev1.ResourceStorage: resource.MustParse("10Gi")}},
		},
	}, metav1.CreateOptions{})
	return err
}

// createService returns a creator of Services of one type, the i-th selecting Deployment first+i; names
// carry the type, so that every kind has names of its own.
func createService(typ corev1.ServiceType, clusterIP string, first int) func(context.Context, kubernetes.Interface, int) error {
	prefix := "svc-" + strings.ToLower(string(typ))
	if clusterIP == corev1.ClusterIPNone {
		prefix = "svc-headless"
	}
	return func(ctx context.Context, cs kubernetes.Interface, i int) error {
		app := fmt.Sprintf("web-%04d", first+i)
		_, err := cs.CoreV1().Services(sourceNamespace).Create(ctx, &corev1.Service{
			ObjectMeta: objectMeta(fmt.Sprintf("%s-%04d", prefix, i), app),
			Spec: corev1.ServiceSpec{Type: typ, ClusterIP: clusterIP, Selector: map[string]string{"app": app},
				Ports: []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080)}}},
		}, metav1.CreateOptions{})
		return err
	}
}

func createConfigMap(ctx context.Context, cs kubernetes.Interface, i int) error {
	app := fmt.Sprintf("web-%04d", i%deployments)
	_, err := cs.CoreV1().ConfigMaps(sourceNamespace).Create(ctx, &corev1.ConfigMap{
		ObjectMeta: objectMeta(fmt.Sprintf("config-%04d", i), app),
		Data: map[string]string{
			"LOG_LEVEL": "info", "UPSTREAM": fmt.Sprintf("http://svc-headless-%04d:80", i%240),
			"app.properties": strings.Repeat(fmt.Sprintf("feature.%d=true\n", i), 20),
		},
	}, metav1.CreateOptions{})
	return err
}

func createSecret(ctx context.Context, cs kubernetes.Interface, i int) error {
	_, err := cs.CoreV1().Secrets(sourceNamespace).Create(ctx, &corev1.Secret{
		ObjectMeta: objectMeta(fmt.Sprintf("secret-%04d", i), fmt.Sprintf("web-%04d", i%deployments)),
		Type:       corev1.SecretTypeOpaque,
		StringData: map[string]string{"username": fmt.Sprintf("user-%d", i), "password": strings.Repeat("x", 32)},
	}, metav1.CreateOptions{})
	return err
}

func ptr[T any](v T) *T { return &v }
