package emulator_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	ecssdk "github.com/alibabacloud-go/ecs-20140526/v4/client"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/ecs"
)

func TestECSDescribeDisksFiltersAndPaging(t *testing.T) {
	srv := newServer(t, slowECS)
	c := newECSClient(t, srv, "cn-hangzhou")
	var ids []string // oldest first
	for i, spec := range []ecs.DiskSpec{
		{Zone: "cn-hangzhou-h", Category: ecs.CategoryESSD, SizeGiB: 20, Tags: map[string]string{"app": "db"}},
		{Zone: "cn-hangzhou-h", Category: ecs.CategoryAuto, SizeGiB: 20},
		{Zone: "cn-hangzhou-i", Category: ecs.CategoryESSD, SizeGiB: 20, Tags: map[string]string{"app": "db", "tier": "gold"}, Status: ecs.DiskInUse},
		{Zone: "cn-hangzhou-j", Category: ecs.CategoryEfficiency, SizeGiB: 20, Encrypted: true},
		{Zone: "cn-hangzhou-j", Category: ecs.CategoryESSD, SizeGiB: 20, Tags: map[string]string{"app": "web"}},
	} {
		spec.Region = "cn-hangzhou"
		d, err := srv.ECS().AddDisk(spec)
		require.NoError(t, err, i)
		ids = append(ids, d.ID)
		advance(t, srv, time.Second) // distinct creation times
	}
	addDisk(t, srv, func(s *ecs.DiskSpec) { s.Region, s.Zone = "cn-beijing", "cn-beijing-h" })
	creating, err := c.CreateDisk(&ecssdk.CreateDiskRequest{RegionId: tea.String("cn-hangzhou"), ZoneId: tea.String("cn-hangzhou-h"),
		DiskCategory: tea.String("cloud_essd"), Size: tea.Int32(20)})
	require.NoError(t, err)

	list := func(mutate func(*ecssdk.DescribeDisksRequest)) *ecssdk.DescribeDisksResponseBody {
		t.Helper()
		req := &ecssdk.DescribeDisksRequest{RegionId: tea.String("cn-hangzhou")}
		mutate(req)
		res, err := c.DescribeDisks(req)
		require.NoError(t, err)
		return res.Body
	}
	idsOf := func(body *ecssdk.DescribeDisksResponseBody) []string {
		out := []string{}
		for _, d := range body.Disks.Disk {
			out = append(out, tea.StringValue(d.DiskId))
		}
		return out
	}
	tests := []struct {
		name   string
		mutate func(*ecssdk.DescribeDisksRequest)
		want   []string // newest first
	}{
		{"region", func(*ecssdk.DescribeDisksRequest) {}, []string{tea.StringValue(creating.Body.DiskId), ids[4], ids[3], ids[2], ids[1], ids[0]}},
		{"zone", func(r *ecssdk.DescribeDisksRequest) { r.ZoneId = tea.String("cn-hangzhou-j") }, []string{ids[4], ids[3]}},
		{"category", func(r *ecssdk.DescribeDisksRequest) { r.Category = tea.String("cloud_auto") }, []string{ids[1]}},
		{"status", func(r *ecssdk.DescribeDisksRequest) { r.Status = tea.String("In_use") }, []string{ids[2]}},
		{"creating", func(r *ecssdk.DescribeDisksRequest) { r.Status = tea.String("Creating") }, []string{tea.StringValue(creating.Body.DiskId)}},
		{"encrypted", func(r *ecssdk.DescribeDisksRequest) { r.Encrypted = tea.Bool(true) }, []string{ids[3]}},
		{"ids", func(r *ecssdk.DescribeDisksRequest) {
			r.DiskIds = tea.String(`["` + ids[0] + `","` + ids[4] + `","d-unknown"]`)
		}, []string{ids[4], ids[0]}},
		{"tag key and value", func(r *ecssdk.DescribeDisksRequest) {
			r.Tag = []*ecssdk.DescribeDisksRequestTag{{Key: tea.String("app"), Value: tea.String("db")}}
		}, []string{ids[2], ids[0]}},
		{"two tags", func(r *ecssdk.DescribeDisksRequest) {
			r.Tag = []*ecssdk.DescribeDisksRequestTag{{Key: tea.String("app"), Value: tea.String("db")}, {Key: tea.String("tier"), Value: tea.String("gold")}}
		}, []string{ids[2]}},
		{"tag key with any value", func(r *ecssdk.DescribeDisksRequest) {
			r.Tag = []*ecssdk.DescribeDisksRequestTag{{Key: tea.String("app")}}
		}, []string{ids[4], ids[2], ids[0]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := list(tt.mutate)
			assert.Equal(t, tt.want, idsOf(body))
			assert.Equal(t, int32(len(tt.want)), tea.Int32Value(body.TotalCount))
		})
	}

	all := idsOf(list(func(*ecssdk.DescribeDisksRequest) {}))
	var paged []string
	for page := int32(1); page <= 3; page++ {
		body := list(func(r *ecssdk.DescribeDisksRequest) { r.PageNumber, r.PageSize = tea.Int32(page), tea.Int32(4) })
		assert.Equal(t, int32(6), tea.Int32Value(body.TotalCount))
		assert.Equal(t, int32(4), tea.Int32Value(body.PageSize))
		paged = append(paged, idsOf(body)...)
	}
	assert.Equal(t, all, paged, "page 3 is empty")
	var tokened []string
	body := list(func(r *ecssdk.DescribeDisksRequest) { r.MaxResults = tea.Int32(4) })
	tokened = append(tokened, idsOf(body)...)
	require.NotEmpty(t, tea.StringValue(body.NextToken))
	body = list(func(r *ecssdk.DescribeDisksRequest) { r.MaxResults, r.NextToken = tea.Int32(4), body.NextToken })
	tokened = append(tokened, idsOf(body)...)
	assert.Empty(t, tea.StringValue(body.NextToken))
	assert.Equal(t, all, tokened)

	tooMany, _ := json.Marshal(make([]string, 101))
	_, err = c.DescribeDisks(&ecssdk.DescribeDisksRequest{RegionId: tea.String("cn-hangzhou"), DiskIds: tea.String(string(tooMany))})
	requireCode(t, err, http.StatusBadRequest, "InvalidDiskIds.Malformed")
	_, err = c.DescribeDisks(&ecssdk.DescribeDisksRequest{RegionId: tea.String("cn-hangzhou"), PageSize: tea.Int32(101)})
	requireCode(t, err, http.StatusBadRequest, "InvalidParameter")
	_, err = c.DescribeDisks(&ecssdk.DescribeDisksRequest{RegionId: tea.String("cn-hangzhou"), Status: tea.String("Melting")})
	requireCode(t, err, http.StatusBadRequest, "InvalidParameter")
	_, err = c.DescribeDisks(&ecssdk.DescribeDisksRequest{})
	requireCode(t, err, http.StatusBadRequest, "MissingParameter")
}
