package transform

// CronJob API versions. Kubernetes 1.25 stopped serving batch/v1beta1, the version a 1.16–1.20 cluster
// preferred and Velero therefore backed CronJobs up in.
const (
	CronJobBatchV1beta1 = "batch/v1beta1"
	CronJobBatchV1      = "batch/v1"
)

// CronJobConversion rewrites a batch/v1beta1 CronJob the target cluster does not serve into batch/v1.
// The two versions have the same fields and defaults (v1 only adds timeZone), which is why the API
// server converts between them by copying: only the apiVersion changes.
type CronJobConversion struct {
	served map[string]bool
}

// NewCronJobConversion builds the rule from the API versions the target cluster serves.
func NewCronJobConversion(served map[string]bool) *CronJobConversion {
	return &CronJobConversion{served: served}
}

// Name is the rule's configuration key.
func (*CronJobConversion) Name() string { return "cronJobConversion" }

// Apply converts item.Object when it is a batch/v1beta1 CronJob the target does not serve.
func (c *CronJobConversion) Apply(item Item, out *Outcome) error {
	obj := item.Object
	if obj.GetKind() != "CronJob" || obj.GetAPIVersion() != CronJobBatchV1beta1 || c.served[CronJobBatchV1beta1] {
		return nil
	}
	obj.SetAPIVersion(CronJobBatchV1)
	out.Note(c.Name(), "converted CronJob %s from %s to %s: the target cluster does not serve %s",
		Key(obj), CronJobBatchV1beta1, CronJobBatchV1, CronJobBatchV1beta1)
	return nil
}
