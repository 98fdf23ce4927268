package harness

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	storagelisters "k8s.io/client-go/listers/storage/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/alibaba"
)

// The fake CSI layer plays, for every cluster, the parts of storage that need a real cloud and real
// kubelets: a provisioner for the StorageClasses of the drivers it serves, and a volume manager that
// gives each pod on a fake node its volumes under the node's kubelet root, as
// pods/<uid>/volumes/kubernetes.io~csi/<pv>/mount pointing at the volume's bytes.

// CSIKind is how a driver's volumes keep their bytes and where they can be used.
type CSIKind int

const (
	// CSIDisk volumes are emulator ECS disks: zonal, bytes in the emulator's disk directory, attached
	// to one node at a time.
	CSIDisk CSIKind = iota + 1
	// CSIZonal volumes are directories of the session usable from nodes of one zone.
	CSIZonal
	// CSIShared volumes are directories of the session usable from every node of every cluster of the
	// session, like one NAS file system or OSS bucket.
	CSIShared
)

func (k CSIKind) String() string {
	switch k {
	case CSIDisk:
		return "Disk"
	case CSIZonal:
		return "Zonal"
	case CSIShared:
		return "Shared"
	}
	return fmt.Sprintf("CSIKind(%d)", int(k))
}

// CSIDriver is a CSI driver the layer serves. A test can play another cloud's driver, for example
// CSIDriver{Name: "ebs.csi.aws.com", Kind: CSIZonal, TopologyKey: "topology.ebs.csi.aws.com/zone"}:
// the cluster's nodes then carry TopologyKey with their zone.
type CSIDriver struct {
	Name string
	Kind CSIKind
	// TopologyKey is the node label that holds the zone, for Disk and Zonal drivers.
	TopologyKey string
}

// defaultCSIDrivers are Alibaba Cloud's: every cluster serves them.
func defaultCSIDrivers() []CSIDriver {
	return []CSIDriver{
		{Name: alibaba.DiskCSIDriver, Kind: CSIDisk, TopologyKey: alibaba.DiskZoneKey},
		{Name: alibaba.NASCSIDriver, Kind: CSIShared},
		{Name: alibaba.OSSCSIDriver, Kind: CSIShared},
	}
}

// csiDrivers merges extra drivers over the defaults; a driver named twice takes the later definition.
func csiDrivers(extra []CSIDriver) (map[string]CSIDriver, error) {
	out := map[string]CSIDriver{}
	for _, d := range append(defaultCSIDrivers(), extra...) {
		switch {
		case d.Name == "":
			return nil, fmt.Errorf("csi driver without a name")
		case d.Kind < CSIDisk || d.Kind > CSIShared:
			return nil, fmt.Errorf("csi driver %s: unknown kind %v", d.Name, d.Kind)
		case d.Kind != CSIShared && d.TopologyKey == "":
			return nil, fmt.Errorf("csi driver %s: a %v driver needs a topology key", d.Name, d.Kind)
		}
		out[d.Name] = d
	}
	return out, nil
}

// csiResync is how often the layer looks again without a change, to retry what failed.
const csiResync = time.Second

// csiLayer is one cluster's fake CSI layer. Its loop is level-triggered: every change it watches, and
// a tick for retries, runs one pass over claims, volumes and pods.
type csiLayer struct {
	c       *Cluster
	drivers map[string]CSIDriver
	kube    kubernetes.Interface
	log     logrus.FieldLogger
	logFile *os.File
	factory informers.SharedInformerFactory
	pods    corelisters.PodLister
	claims  corelisters.PersistentVolumeClaimLister
	volumes corelisters.PersistentVolumeLister
	classes storagelisters.StorageClassLister
	kick    chan struct{}
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	stop    sync.Once

	// Only the loop's goroutine touches these.
	created  map[string]bool       // PVs this layer provisioned, by name
	claimPV  map[string]string     // claim UID -> the PV provisioned for it
	mounts   map[string]podMounts  // pod UID -> what the layer set up for it
	attached map[string]attachment // disk ID -> the node the layer attached it to
	reported map[string]string     // what was last said (logged, or recorded as event) per subject
}

// startCSI starts the cluster's CSI layer; it runs until the session closes or the cluster's
// kube-apiserver exits.
func (c *Cluster) startCSI(ctx context.Context) error {
	drivers, err := csiDrivers(c.opts.CSIDrivers)
	if err != nil {
		return err
	}
	cfg, err := c.restConfig()
	if err != nil {
		return err
	}
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	logFile, err := os.OpenFile(c.logPath("csi"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open csi log: %w", err)
	}
	logger := logrus.New()
	logger.SetOutput(logFile)
	logger.SetLevel(logrus.DebugLevel)
	l := newCSILayer(c, kube, drivers, logger.WithField("cluster", c.Name))
	l.logFile = logFile
	if err := l.begin(ctx, c.api.Exited()); err != nil {
		_ = logFile.Close()
		return err
	}
	return nil
}

// begin labels the nodes, fills the caches and starts the loop; the loop ends with Stop, or when
// apiExited closes (the cluster's API server is gone: nothing left to serve).
func (l *csiLayer) begin(ctx context.Context, apiExited <-chan struct{}) error {
	if err := l.labelNodes(ctx); err != nil {
		return err
	}
	l.factory = informers.NewSharedInformerFactory(l.kube, 0)
	core, storage := l.factory.Core().V1(), l.factory.Storage().V1()
	l.pods, l.claims, l.volumes, l.classes = core.Pods().Lister(), core.PersistentVolumeClaims().Lister(),
		core.PersistentVolumes().Lister(), storage.StorageClasses().Lister()
	for _, inf := range []cache.SharedIndexInformer{core.Pods().Informer(), core.PersistentVolumeClaims().Informer(),
		core.PersistentVolumes().Informer(), storage.StorageClasses().Informer()} {
		if _, err := inf.AddEventHandler(l.handler()); err != nil {
			return err
		}
	}
	runCtx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	l.factory.Start(runCtx.Done())
	for typ, ok := range l.factory.WaitForCacheSync(ctx.Done()) {
		if !ok {
			l.shutdown()
			return fmt.Errorf("csi layer: cache of %v did not sync", typ)
		}
	}
	l.c.csi = l
	l.c.session.onClose(l.Stop)
	l.wg.Add(2)
	go l.run(runCtx)
	go func() {
		defer l.wg.Done()
		select {
		case <-apiExited:
			cancel() // Stop still waits for the loop
		case <-runCtx.Done():
		}
	}()
	l.log.WithField("drivers", len(l.drivers)).Info("csi layer started")
	return nil
}

func newCSILayer(c *Cluster, kube kubernetes.Interface, drivers map[string]CSIDriver, log logrus.FieldLogger) *csiLayer {
	return &csiLayer{c: c, drivers: drivers, kube: kube, log: log, kick: make(chan struct{}, 1),
		created: map[string]bool{}, claimPV: map[string]string{}, mounts: map[string]podMounts{},
		attached: map[string]attachment{}, reported: map[string]string{}}
}

// Stop ends the layer and waits for every goroutine it started.
func (l *csiLayer) Stop() {
	l.stop.Do(func() {
		l.shutdown()
		l.log.Info("csi layer stopped")
		if l.logFile != nil {
			_ = l.logFile.Close()
		}
	})
}

func (l *csiLayer) shutdown() {
	l.cancel()
	l.wg.Wait()
	l.factory.Shutdown()
}

func (l *csiLayer) handler() cache.ResourceEventHandler {
	kick := func(any) {
		select {
		case l.kick <- struct{}{}:
		default: // a pass is due anyway
		}
	}
	return cache.ResourceEventHandlerFuncs{AddFunc: kick, UpdateFunc: func(_, obj any) { kick(obj) }, DeleteFunc: kick}
}

func (l *csiLayer) run(ctx context.Context) {
	defer l.wg.Done()
	tick := time.NewTicker(csiResync)
	defer tick.Stop()
	for {
		l.pass(ctx)
		select {
		case <-ctx.Done():
			return
		case <-l.kick:
		case <-tick.C:
		}
	}
}

// pass brings claims, volumes and pods' mounts to what they should be; what fails is tried again on
// the next pass.
func (l *csiLayer) pass(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	l.provisionClaims(ctx)
	l.reclaimVolumes(ctx)
	l.syncMounts(ctx)
}
