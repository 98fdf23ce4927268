package emulator_test

import (
	"net/http"
	"testing"
	"time"

	ecssdk "github.com/alibabacloud-go/ecs-20140526/v4/client"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/ecs"
)

func TestECSRegionsAndZones(t *testing.T) {
	srv := newServer(t)
	c := newECSClient(t, srv, "cn-beijing")
	regions, err := c.DescribeRegions(&ecssdk.DescribeRegionsRequest{})
	require.NoError(t, err)
	var ids []string
	for _, r := range regions.Body.Regions.Region {
		ids = append(ids, tea.StringValue(r.RegionId))
		assert.Equal(t, "ecs."+tea.StringValue(r.RegionId)+".aliyuncs.com", tea.StringValue(r.RegionEndpoint))
	}
	assert.Equal(t, []string{"cn-hangzhou", "cn-beijing", "cn-shanghai"}, ids)

	zones, err := c.DescribeZones(&ecssdk.DescribeZonesRequest{RegionId: tea.String("cn-beijing")})
	require.NoError(t, err)
	require.Len(t, zones.Body.Zones.Zone, 2)
	h, i := zones.Body.Zones.Zone[0], zones.Body.Zones.Zone[1]
	assert.Equal(t, "cn-beijing-h", tea.StringValue(h.ZoneId))
	assert.Equal(t, "Beijing Zone H", tea.StringValue(h.LocalName))
	assert.Contains(t, tea.StringSliceValue(h.AvailableDiskCategories.DiskCategories), ecs.CategoryEfficiency)
	assert.NotContains(t, tea.StringSliceValue(i.AvailableDiskCategories.DiskCategories), ecs.CategoryEfficiency,
		"cn-beijing-i is the zone that does not sell cloud_efficiency")
	assert.Contains(t, tea.StringSliceValue(h.AvailableResourceCreation.ResourceTypes), "Disk")
	assert.Equal(t, tea.StringSliceValue(h.AvailableDiskCategories.DiskCategories),
		tea.StringSliceValue(h.AvailableResources.ResourcesInfo[0].DataDiskCategories.SupportedDataDiskCategory))

	_, err = c.DescribeZones(&ecssdk.DescribeZonesRequest{RegionId: tea.String("us-nowhere-1")})
	requireCode(t, err, http.StatusNotFound, "InvalidRegionId.NotFound")
}

func TestECSCustomRegionModel(t *testing.T) {
	srv := newServer(t, func(o *emulator.Options) {
		o.ECS.Regions = []ecs.Region{{ID: "ap-southeast-1", Zones: []ecs.Zone{{ID: "ap-southeast-1a", DiskCategories: []string{ecs.CategoryAuto}}}}}
	})
	c := newECSClient(t, srv, "ap-southeast-1")
	zones, err := c.DescribeZones(&ecssdk.DescribeZonesRequest{RegionId: tea.String("ap-southeast-1")})
	require.NoError(t, err)
	require.Len(t, zones.Body.Zones.Zone, 1)
	assert.Equal(t, "ap-southeast-1a", tea.StringValue(zones.Body.Zones.Zone[0].LocalName), "the ID stands in for a missing local name")
	_, err = c.DescribeZones(&ecssdk.DescribeZonesRequest{RegionId: tea.String("cn-hangzhou")})
	requireCode(t, err, http.StatusNotFound, "InvalidRegionId.NotFound")

	_, err = emulator.New(emulator.Options{ECS: ecs.Options{Regions: []ecs.Region{{ID: "r", Zones: []ecs.Zone{{ID: "z", DiskCategories: []string{"floppy"}}}}}}})
	assert.ErrorContains(t, err, `unknown disk category "floppy"`)
}

func TestECSCreateDisk(t *testing.T) {
	tests := []struct {
		name  string
		req   ecssdk.CreateDiskRequest
		check func(t *testing.T, d *ecssdk.DescribeDisksResponseBodyDisksDisk)
	}{
		{"essd takes PL1 by default", ecssdk.CreateDiskRequest{DiskCategory: tea.String("cloud_essd"), Size: tea.Int32(20),
			Tag: []*ecssdk.CreateDiskRequestTag{{Key: tea.String("velero.io/backup"), Value: tea.String("b1")}}},
			func(t *testing.T, d *ecssdk.DescribeDisksResponseBodyDisksDisk) {
				assert.Equal(t, "PL1", tea.StringValue(d.PerformanceLevel))
				assert.Equal(t, int32(20), tea.Int32Value(d.Size))
				require.Len(t, d.Tags.Tag, 1)
				assert.Equal(t, "velero.io/backup", tea.StringValue(d.Tags.Tag[0].TagKey))
				assert.Equal(t, "b1", tea.StringValue(d.Tags.Tag[0].TagValue))
				assert.Nil(t, d.ProvisionedIops, "only cloud_auto reports provisioned IOPS")
			}},
		{"essd PL0 of 1 GiB", ecssdk.CreateDiskRequest{DiskCategory: tea.String("cloud_essd"), PerformanceLevel: tea.String("PL0"), Size: tea.Int32(1)},
			func(t *testing.T, d *ecssdk.DescribeDisksResponseBodyDisksDisk) {
				assert.Equal(t, "PL0", tea.StringValue(d.PerformanceLevel))
			}},
		{"auto with provisioned IOPS and bursting", ecssdk.CreateDiskRequest{DiskCategory: tea.String("cloud_auto"), Size: tea.Int32(100),
			ProvisionedIops: tea.Int64(5000), BurstingEnabled: tea.Bool(true)},
			func(t *testing.T, d *ecssdk.DescribeDisksResponseBodyDisksDisk) {
				assert.Equal(t, int64(5000), tea.Int64Value(d.ProvisionedIops))
				assert.True(t, tea.BoolValue(d.BurstingEnabled))
				assert.Empty(t, tea.StringValue(d.PerformanceLevel))
			}},
		{"efficiency", ecssdk.CreateDiskRequest{DiskCategory: tea.String("cloud_efficiency"), Size: tea.Int32(32768)},
			func(t *testing.T, d *ecssdk.DescribeDisksResponseBodyDisksDisk) {
				assert.Equal(t, "cloud_efficiency", tea.StringValue(d.Category))
			}},
		{"essd entry", ecssdk.CreateDiskRequest{DiskCategory: tea.String("cloud_essd_entry"), Size: tea.Int32(10)}, nil},
		{"encrypted with a KMS key", ecssdk.CreateDiskRequest{DiskCategory: tea.String("cloud_ssd"), Size: tea.Int32(20),
			Encrypted: tea.Bool(true), KMSKeyId: tea.String("key-hzz1234")},
			func(t *testing.T, d *ecssdk.DescribeDisksResponseBodyDisksDisk) {
				assert.True(t, tea.BoolValue(d.Encrypted))
				assert.Equal(t, "key-hzz1234", tea.StringValue(d.KMSKeyId))
			}},
	}
	srv := newServer(t, slowECS)
	c := newECSClient(t, srv, "cn-hangzhou")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := tt.req
			req.RegionId, req.ZoneId = tea.String("cn-hangzhou"), tea.String("cn-hangzhou-i")
			res, err := c.CreateDisk(&req)
			require.NoError(t, err)
			id := tea.StringValue(res.Body.DiskId)
			assert.Regexp(t, `^d-[a-z0-9]{20}$`, id)
			d := describeDisk(t, c, "cn-hangzhou", id)
			assert.Equal(t, ecs.DiskCreating, tea.StringValue(d.Status))
			assert.Equal(t, "cn-hangzhou-i", tea.StringValue(d.ZoneId))
			assert.Equal(t, "cn-hangzhou", tea.StringValue(d.RegionId))
			assert.Equal(t, tea.StringValue(req.DiskCategory), tea.StringValue(d.Category))
			created, err := time.Parse(time.RFC3339, tea.StringValue(d.CreationTime))
			require.NoError(t, err)
			assert.WithinDuration(t, srv.ECS().Clock().Now, created, 2*time.Second)
			if tt.check != nil {
				tt.check(t, d)
			}
		})
	}
	advance(t, srv, time.Hour)
	res, err := c.DescribeDisks(&ecssdk.DescribeDisksRequest{RegionId: tea.String("cn-hangzhou"), Status: tea.String("Available")})
	require.NoError(t, err)
	assert.Equal(t, int32(len(tests)), tea.Int32Value(res.Body.TotalCount), "every disk is Available after the creation time")
}

func TestECSCreateDiskRefusals(t *testing.T) {
	srv := newServer(t)
	c := newECSClient(t, srv, "cn-hangzhou")
	disk := func(category string, size int32, mutate ...func(*ecssdk.CreateDiskRequest)) *ecssdk.CreateDiskRequest {
		r := &ecssdk.CreateDiskRequest{RegionId: tea.String("cn-hangzhou"), ZoneId: tea.String("cn-hangzhou-h"), Size: tea.Int32(size)}
		if category != "" {
			r.DiskCategory = tea.String(category)
		}
		for _, m := range mutate {
			m(r)
		}
		return r
	}
	pl := func(level string) func(*ecssdk.CreateDiskRequest) {
		return func(r *ecssdk.CreateDiskRequest) { r.PerformanceLevel = tea.String(level) }
	}
	tests := []struct {
		name    string
		req     *ecssdk.CreateDiskRequest
		status  int
		code    string
		message string
	}{
		{"no region", disk("cloud_essd", 20, func(r *ecssdk.CreateDiskRequest) { r.RegionId = nil }), 400, "MissingParameter", "RegionId"},
		{"unknown region", disk("cloud_essd", 20, func(r *ecssdk.CreateDiskRequest) { r.RegionId = tea.String("cn-atlantis") }), 404, "InvalidRegionId.NotFound", "cn-atlantis"},
		{"no zone", disk("cloud_essd", 20, func(r *ecssdk.CreateDiskRequest) { r.ZoneId = nil }), 400, "MissingParameter", "ZoneId"},
		{"unknown zone", disk("cloud_essd", 20, func(r *ecssdk.CreateDiskRequest) { r.ZoneId = tea.String("cn-hangzhou-z") }), 404, "InvalidZoneId.NotFound", "cn-hangzhou-z"},
		{"zone of another region", disk("cloud_essd", 20, func(r *ecssdk.CreateDiskRequest) { r.ZoneId = tea.String("cn-beijing-h") }), 400, "InvalidZoneId.NotFound", "cn-beijing-h"},
		{"unknown category", disk("cloud_floppy", 20), 400, "InvalidDiskCategory.ValueNotSupported", "cloud_floppy"},
		{"category the zone lacks", disk("cloud_efficiency", 20, func(r *ecssdk.CreateDiskRequest) {
			r.RegionId, r.ZoneId = tea.String("cn-beijing"), tea.String("cn-beijing-i")
		}), 403, "InvalidDataDiskCategory.NotSupported", "cn-beijing-i"},
		{"default category cloud is not sold", disk("", 20), 403, "InvalidDataDiskCategory.NotSupported", "cloud "},
		{"neither size nor snapshot", disk("cloud_essd", 0, func(r *ecssdk.CreateDiskRequest) { r.Size = nil }), 400, "MissingParameter", "SnapshotId or Size"},
		{"essd PL0 too small", disk("cloud_essd", 0, pl("PL0")), 400, "InvalidSize.ValueNotSupported", "1 to 65536"},
		{"essd PL1 too small", disk("cloud_essd", 19), 400, "InvalidSize.ValueNotSupported", "cloud_essd PL1 disks take 20 to 65536"},
		{"essd PL2 too small", disk("cloud_essd", 460, pl("PL2")), 400, "InvalidSize.ValueNotSupported", "461 to 65536"},
		{"essd PL3 too small", disk("cloud_essd", 1260, pl("PL3")), 400, "InvalidSize.ValueNotSupported", "1261 to 65536"},
		{"essd too large", disk("cloud_essd", 65537), 400, "InvalidSize.ValueNotSupported", "65537"},
		{"efficiency too small", disk("cloud_efficiency", 19), 400, "InvalidSize.ValueNotSupported", "20 to 32768"},
		{"ssd too large", disk("cloud_ssd", 32769), 400, "InvalidSize.ValueNotSupported", "20 to 32768"},
		{"auto too large", disk("cloud_auto", 65537), 400, "InvalidSize.ValueNotSupported", "1 to 65536"},
		{"essd entry too small", disk("cloud_essd_entry", 9), 400, "InvalidSize.ValueNotSupported", "10 to 32768"},
		{"essd entry too large", disk("cloud_essd_entry", 32769), 400, "InvalidSize.ValueNotSupported", "10 to 32768"},
		{"unknown performance level", disk("cloud_essd", 20, pl("PL9")), 400, "InvalidPerformanceLevel.Malformed", "PL9"},
		{"performance level on auto", disk("cloud_auto", 20, pl("PL1")), 400, "InvalidParameter", "PerformanceLevel"},
		{"provisioned IOPS on essd", disk("cloud_essd", 20, func(r *ecssdk.CreateDiskRequest) { r.ProvisionedIops = tea.Int64(100) }), 400, "InvalidParameter", "cloud_auto only"},
		{"bursting on ssd", disk("cloud_ssd", 20, func(r *ecssdk.CreateDiskRequest) { r.BurstingEnabled = tea.Bool(true) }), 400, "InvalidParameter", "cloud_auto only"},
		{"unknown snapshot", disk("cloud_essd", 20, func(r *ecssdk.CreateDiskRequest) { r.SnapshotId = tea.String("s-doesnotexist") }), 404, "InvalidSnapshotId.NotFound", "s-doesnotexist"},
		{"tag value without key", disk("cloud_essd", 20, func(r *ecssdk.CreateDiskRequest) {
			r.Tag = []*ecssdk.CreateDiskRequestTag{{Value: tea.String("orphan")}}
		}), 400, "InvalidTagKey.Malformed", "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.CreateDisk(tt.req)
			se := requireCode(t, err, tt.status, tt.code)
			assert.Contains(t, tea.StringValue(se.Message), tt.message)
		})
	}
	assert.Empty(t, srv.ECS().State().Disks, "no refused request creates a disk")
}

func TestECSCreateDiskClientToken(t *testing.T) {
	srv := newServer(t)
	c := newECSClient(t, srv, "cn-hangzhou")
	req := &ecssdk.CreateDiskRequest{RegionId: tea.String("cn-hangzhou"), ZoneId: tea.String("cn-hangzhou-h"),
		DiskCategory: tea.String("cloud_essd"), Size: tea.Int32(20), ClientToken: tea.String("restore-pvc-1")}
	first, err := c.CreateDisk(req)
	require.NoError(t, err)
	again, err := c.CreateDisk(req)
	require.NoError(t, err)
	assert.Equal(t, tea.StringValue(first.Body.DiskId), tea.StringValue(again.Body.DiskId), "a retry returns the first disk")
	assert.NotEqual(t, tea.StringValue(first.Body.RequestId), tea.StringValue(again.Body.RequestId))
	assert.Len(t, srv.ECS().State().Disks, 1)

	req.Size = tea.Int32(30)
	_, err = c.CreateDisk(req)
	requireCode(t, err, http.StatusBadRequest, "IdempotentParameterMismatch")
	req.ClientToken = tea.String("restore-pvc-2")
	_, err = c.CreateDisk(req)
	require.NoError(t, err)
	assert.Len(t, srv.ECS().State().Disks, 2)
}

func TestECSDeleteDisk(t *testing.T) {
	srv := newServer(t, slowECS)
	c := newECSClient(t, srv, "cn-hangzhou")
	attached := addDisk(t, srv, func(s *ecs.DiskSpec) { s.Status = ecs.DiskInUse })
	assert.Equal(t, ecs.DiskInUse, attached.Status)
	assert.Regexp(t, `^i-[a-z0-9]{20}$`, attached.InstanceID)
	d := describeDisk(t, c, "cn-hangzhou", attached.ID)
	assert.Equal(t, attached.InstanceID, tea.StringValue(d.InstanceId))
	_, err := c.DeleteDisk(&ecssdk.DeleteDiskRequest{DiskId: tea.String(attached.ID)})
	requireCode(t, err, http.StatusForbidden, "IncorrectDiskStatus")

	res, err := c.CreateDisk(&ecssdk.CreateDiskRequest{RegionId: tea.String("cn-hangzhou"), ZoneId: tea.String("cn-hangzhou-h"),
		DiskCategory: tea.String("cloud_essd"), Size: tea.Int32(20)})
	require.NoError(t, err)
	id := res.Body.DiskId
	_, err = c.DeleteDisk(&ecssdk.DeleteDiskRequest{DiskId: id})
	se := requireCode(t, err, http.StatusForbidden, "IncorrectDiskStatus")
	assert.Contains(t, tea.StringValue(se.Message), "Creating")

	advance(t, srv, time.Hour)
	_, err = c.DeleteDisk(&ecssdk.DeleteDiskRequest{DiskId: id})
	require.NoError(t, err)
	_, err = c.DeleteDisk(&ecssdk.DeleteDiskRequest{DiskId: id})
	requireCode(t, err, http.StatusNotFound, "InvalidDiskId.NotFound")
}
