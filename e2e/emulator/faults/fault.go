// Package faults injects failures and shapes the network for the Alibaba Cloud emulator. One Injector is
// shared by every emulated service (OSS, ECS and HBR), so a test can say "the next two UploadPart
// calls fail with 503" or "every connection is a 50 Mbit/s WAN link" without knowing how a service renders
// its errors.
package faults

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fault describes one injected failure. A request matches when Service and Operation match; the first
// matching fault that is not used up and passes its Probability roll fires.
type Fault struct {
	Service   string // "oss", "ecs" or "hbr"; "" = any
	Operation string // operation name as the service names it, e.g. "UploadPart" or the ECS Action "CreateSnapshot"; "" or "*" = any
	// Resource is what the request addresses, where * matches any run of characters, "/" included, and a
	// pattern without "/" names the first part only. "" = any.
	//   - OSS: "BUCKET/KEY" ("BUCKET/" for bucket operations): "cnfs-oss-b/*.tar.gz" fails only backup tarballs,
	//     "cnfs-oss-b" the whole bucket.
	//   - ECS: "REGION/ID", where ID is the disk, snapshot or snapshot group the request names (CreateSnapshot
	//     and DeleteDisk: the disk; DeleteSnapshot, CopySnapshot and CreateDisk from a snapshot: the snapshot;
	//     DeleteSnapshotGroup: the group) and "" when it names none ("cn-beijing/" for DescribeDisks). The region
	//     of requests without RegionId is the resource's: "cn-beijing" fails everything in cn-beijing,
	//     "*/d-bp1abc" every request about one disk.
	//   - HBR: "VAULT/ID", where VAULT is the vault the request names (VaultId) or the one its job, snapshot or
	//     restore job lives in, and ID the cluster (DescribeContainerCluster, CreateBackupJob), job, snapshot
	//     (DeleteSnapshot, CreateRestoreJob) or restore job it names: "v-123" fails everything about one vault.
	Resource     string
	Status       int     // HTTP status to answer with; 0 = derived from Code by the service
	Code         string  // service error code; "" = derived from Status by the service
	Message      string  // error message; "" = a generic one
	Probability  float64 // 0..1; 0 is treated as 1
	Count        int     // how many times it may fire; 0 = unlimited
	ResetMidBody bool    // hard-close the TCP connection half-way through the body instead of answering
	// LoseAnswer lets the request take effect, then hard-closes the connection instead of answering: a
	// timeout after the service did the work, which only idempotent clients survive (ECS).
	LoseAnswer bool
	Latency    time.Duration // extra delay before the request is handled
}

// IsError reports whether the fault answers with an error rather than only delaying the request.
func (f Fault) IsError() bool { return f.Status != 0 || f.Code != "" }

// Answer is the status, code and message an error fault answers with. A fault may name only a status
// or only a code: statusOf and codeOf give the other as the service would; the message says the fault
// was injected unless the fault sets one.
func (f Fault) Answer(statusOf func(code string) int, codeOf func(status int) string) (status int, code, message string) {
	status, code, message = f.Status, f.Code, f.Message
	if status == 0 {
		status = statusOf(code)
	}
	if code == "" {
		code = codeOf(status)
	}
	if message == "" {
		message = "Injected fault: " + code + "."
	}
	return status, code, message
}

// Validate rejects values a service could not act on.
func (f Fault) Validate() error {
	switch {
	case f.Probability < 0 || f.Probability > 1:
		return fmt.Errorf("fault probability %v is outside 0..1", f.Probability)
	case f.Count < 0:
		return fmt.Errorf("fault count %d is negative", f.Count)
	case f.Status != 0 && (f.Status < 400 || f.Status > 599):
		return fmt.Errorf("fault status %d is not an HTTP error status (400..599)", f.Status)
	case f.Latency < 0:
		return fmt.Errorf("fault latency %v is negative", f.Latency)
	case f.LoseAnswer && (f.IsError() || f.ResetMidBody):
		return fmt.Errorf("fault loseAnswer lets the request succeed: it cannot also fail or reset it")
	case !f.IsError() && !f.ResetMidBody && !f.LoseAnswer && f.Latency == 0:
		return fmt.Errorf("fault does nothing: set status, code, resetMidBody or latency")
	}
	return nil
}

func (f Fault) matches(service, operation, resource string) bool {
	if f.Service != "" && !strings.EqualFold(f.Service, service) {
		return false
	}
	if f.Resource != "" && !matchResource(f.Resource, resource) {
		return false
	}
	return f.Operation == "" || f.Operation == "*" || strings.EqualFold(f.Operation, operation)
}

// matchResource matches "BUCKET/KEY" against a pattern; a pattern without "/" names a whole bucket.
func matchResource(pattern, resource string) bool {
	if !strings.Contains(pattern, "/") {
		bucket, _, _ := strings.Cut(resource, "/")
		return wildcard(pattern, bucket)
	}
	return wildcard(pattern, resource)
}

// wildcard reports whether s matches pattern, in which * stands for any run of characters.
func wildcard(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(s, mid)
		if i < 0 {
			return false
		}
		s = s[i+len(mid):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

// faultJSON is the wire form: durations travel as Go duration strings ("250ms") so admin clients in any
// language can write them.
type faultJSON struct {
	Service      string          `json:"service,omitempty"`
	Operation    string          `json:"operation,omitempty"`
	Resource     string          `json:"resource,omitempty"`
	Status       int             `json:"status,omitempty"`
	Code         string          `json:"code,omitempty"`
	Message      string          `json:"message,omitempty"`
	Probability  float64         `json:"probability,omitempty"`
	Count        int             `json:"count,omitempty"`
	ResetMidBody bool            `json:"resetMidBody,omitempty"`
	LoseAnswer   bool            `json:"loseAnswer,omitempty"`
	Latency      json.RawMessage `json:"latency,omitempty"`
}

// MarshalJSON writes Latency as a duration string.
func (f Fault) MarshalJSON() ([]byte, error) {
	w := faultJSON{Service: f.Service, Operation: f.Operation, Resource: f.Resource, Status: f.Status, Code: f.Code,
		Message: f.Message, Probability: f.Probability, Count: f.Count, ResetMidBody: f.ResetMidBody, LoseAnswer: f.LoseAnswer}
	if f.Latency != 0 {
		w.Latency = json.RawMessage(strconv.Quote(f.Latency.String()))
	}
	return json.Marshal(w)
}

// UnmarshalJSON accepts Latency as a duration string or as a number of nanoseconds.
func (f *Fault) UnmarshalJSON(data []byte) error {
	var w faultJSON
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	latency, err := ParseJSONDuration(w.Latency)
	if err != nil {
		return fmt.Errorf("fault latency: %w", err)
	}
	*f = Fault{Service: w.Service, Operation: w.Operation, Resource: w.Resource, Status: w.Status, Code: w.Code, Message: w.Message,
		Probability: w.Probability, Count: w.Count, ResetMidBody: w.ResetMidBody, LoseAnswer: w.LoseAnswer, Latency: latency}
	return nil
}

// ParseJSONDuration decodes a JSON duration given either as a Go duration string or as nanoseconds.
// Empty input is zero.
func ParseJSONDuration(raw json.RawMessage) (time.Duration, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		d, err := time.ParseDuration(s)
		if err != nil {
			return 0, fmt.Errorf("parse duration %q: %w", s, err)
		}
		return d, nil
	}
	var n int64
	if err := json.Unmarshal(raw, &n); err != nil {
		return 0, fmt.Errorf("duration %s is neither a string like \"250ms\" nor nanoseconds", raw)
	}
	return time.Duration(n), nil
}

// Active is a registered fault with its id and how often it has fired.
type Active struct {
	ID    string `json:"id"`
	Fault Fault  `json:"fault"`
	Fired int    `json:"fired"`
}

// Injector holds the registered faults and the network shaping settings. The zero value is not usable;
// call New.
type Injector struct {
	mu     sync.Mutex
	seq    int
	active []*Active
	rng    *rand.Rand

	net networkSettings
}

// New returns an Injector with no faults and no shaping.
func New() *Injector {
	return &Injector{rng: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))}
}

// Add registers f and returns its id. Faults are tried in the order they were added.
func (i *Injector) Add(f Fault) string {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.seq++
	id := "f" + strconv.Itoa(i.seq)
	i.active = append(i.active, &Active{ID: id, Fault: f})
	return id
}

// Remove unregisters one fault and reports whether it existed.
func (i *Injector) Remove(id string) bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	for n, a := range i.active {
		if a.ID == id {
			i.active = append(i.active[:n], i.active[n+1:]...)
			return true
		}
	}
	return false
}

// Clear unregisters every fault. Network shaping is left as it is.
func (i *Injector) Clear() {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.active = nil
}

// List returns a snapshot of the registered faults, used-up ones included so a test can see they fired.
func (i *Injector) List() []Active {
	i.mu.Lock()
	defer i.mu.Unlock()
	out := make([]Active, 0, len(i.active))
	for _, a := range i.active {
		out = append(out, *a)
	}
	return out
}

// Match decides whether a request to service/operation on resource fails, and if so consumes one use
// of the fault.
func (i *Injector) Match(service, operation, resource string) (Fault, bool) {
	if i == nil {
		return Fault{}, false
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	for _, a := range i.active {
		f := a.Fault
		if !f.matches(service, operation, resource) || (f.Count > 0 && a.Fired >= f.Count) {
			continue
		}
		if f.Probability > 0 && f.Probability < 1 && i.rng.Float64() >= f.Probability {
			continue
		}
		a.Fired++
		return f, true
	}
	return Fault{}, false
}

// compactKeys lists what Parse accepts, in the order the error message shows them.
var compactKeys = []string{"service", "op", "resource", "status", "code", "message", "p", "count", "reset", "lose", "latency"}

// Parse reads the compact command-line form, e.g. "op=UploadPart,status=503,code=ServiceUnavailable,p=0.1,count=5"
// or "op=PutObject,reset=true". Long names (operation, probability, resetMidBody) are accepted too.
func Parse(s string) (Fault, error) {
	var f Fault
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		k, v, ok := strings.Cut(item, "=")
		if !ok {
			return Fault{}, fmt.Errorf("fault %q: %q is not key=value", s, item)
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		var err error
		switch strings.ToLower(k) {
		case "service", "svc":
			f.Service = v
		case "op", "operation":
			f.Operation = v
		case "resource", "bucket":
			f.Resource = v
		case "status":
			f.Status, err = strconv.Atoi(v)
		case "code":
			f.Code = v
		case "message", "msg":
			f.Message = v
		case "p", "probability":
			f.Probability, err = strconv.ParseFloat(v, 64)
		case "count", "n":
			f.Count, err = strconv.Atoi(v)
		case "reset", "resetmidbody":
			f.ResetMidBody, err = strconv.ParseBool(v)
		case "lose", "loseanswer":
			f.LoseAnswer, err = strconv.ParseBool(v)
		case "latency":
			f.Latency, err = time.ParseDuration(v)
		default:
			return Fault{}, fmt.Errorf("fault %q: unknown key %q (valid keys: %s)", s, k, strings.Join(compactKeys, ", "))
		}
		if err != nil {
			return Fault{}, fmt.Errorf("fault %q: key %s: %w", s, k, err)
		}
	}
	if err := f.Validate(); err != nil {
		return Fault{}, fmt.Errorf("fault %q: %w", s, err)
	}
	return f, nil
}

// Delay waits out a fault's latency, or less if ctx ends first (the client gave up).
func Delay(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
