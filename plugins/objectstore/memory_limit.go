package objectstore

import (
	"github.com/sirupsen/logrus"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/oss"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/objectstore/bslconfig"
)

// uploadHeadroom is what the plugin process needs besides upload buffers: the window of Velero's gRPC
// stream, room for the collector between cycles (the stream leaves a 16 KiB message of garbage per
// message), and everything else the process holds.
const uploadHeadroom = 56 << 20

// DefaultMemoryLimit is the Go soft memory limit the plugin binary starts with when the operator sets
// no GOMEMLIMIT: what an upload with the default part size and parallelism needs (128 MiB). Without a
// limit the collector lets the heap grow to twice the live buffers between cycles, and the plugin
// shares velero server's pod limit; collecting more often costs little, because the buffers hold no
// pointers for a cycle to scan.
var DefaultMemoryLimit = uploadMemory(bslconfig.Config{})

// uploadMemory is the Go memory one upload of cfg needs: its buffers, at most (parallelism+1) parts,
// and the headroom.
func uploadMemory(cfg bslconfig.Config) int64 {
	part, parallel := cfg.PartSize, cfg.Parallelism
	if part == 0 {
		part = oss.DefaultPartSize
	}
	if parallel == 0 {
		parallel = oss.DefaultParallelism
	}
	return int64(parallel+1)*part + uploadHeadroom
}

// fitMemoryLimit raises the process's Go soft memory limit to what this location's uploads need,
// unless the operator set GOMEMLIMIT. The plugin binary starts with a limit that fits the default
// part size and parallelism; a location with larger ones would otherwise hold more live buffers than
// the limit, and the collector would run without pause.
func (o *ObjectStore) fitMemoryLimit(cfg bslconfig.Config) {
	if o.deps.SetMemoryLimit == nil || (o.deps.Environment.Getenv != nil && o.deps.Environment.Getenv("GOMEMLIMIT") != "") {
		return
	}
	need := uploadMemory(cfg)
	if current := o.deps.SetMemoryLimit(-1); current < need {
		o.deps.SetMemoryLimit(need)
		o.log.WithFields(logrus.Fields{"bucket": cfg.Bucket, "from": current, "to": need}).
			Debug("raised the Go memory limit to fit this location's upload buffers")
	}
}
