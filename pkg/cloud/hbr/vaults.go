package hbr

import (
	"context"
	"time"

	hbrsdk "github.com/alibabacloud-go/hbr-20170908/v2/client"
	util "github.com/alibabacloud-go/tea-utils/v2/service"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/sirupsen/logrus"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
)

// pageSize is how many items a listing asks for at once (DescribeBackupJobs2 allows at most 99).
const pageSize = 99

// vaultPoll is how often EnsureVault looks whether a new vault is CREATED.
const vaultPoll = time.Second

func (c *client) FindVault(ctx context.Context, region, name string) (*Vault, error) {
	var found *Vault
	reqID, err := c.vaults(ctx, region, "", func(v *Vault) bool {
		if v.Name == name {
			found = v
		}
		return found != nil
	})
	if err != nil || found != nil {
		return found, err
	}
	return nil, notFound("DescribeVaults", name, reqID, "no vault named "+name+" in region "+region)
}

func (c *client) DescribeVault(ctx context.Context, region, vaultID string) (*Vault, error) {
	var found *Vault
	reqID, err := c.vaults(ctx, region, vaultID, func(v *Vault) bool {
		if v.ID == vaultID {
			found = v
		}
		return found != nil
	})
	if err != nil || found != nil {
		return found, err
	}
	return nil, notFound("DescribeVaults", vaultID, reqID, "vault "+vaultID+" does not exist in region "+region)
}

// vaults pages the region's standard vaults (one of them when vaultID is set) until visit says stop;
// it returns the last request ID, for a not-found error.
func (c *client) vaults(ctx context.Context, region, vaultID string, visit func(*Vault) bool) (string, error) {
	var reqID string
	for page := int32(1); ; page++ {
		req := &hbrsdk.DescribeVaultsRequest{VaultRegionId: tea.String(region), VaultId: optString(vaultID),
			VaultType: tea.String("STANDARD"), PageNumber: tea.Int32(page), PageSize: tea.Int32(pageSize)}
		out, err := call(ctx, c, "DescribeVaults", region, vaultID, func(sdk *hbrsdk.Client, rt *util.RuntimeOptions) (*hbrsdk.DescribeVaultsResponse, error) {
			out, err := sdk.DescribeVaultsWithOptions(req, rt)
			if err == nil && out != nil && out.Body != nil && out.Body.Vaults == nil && tea.Int32Value(out.Body.TotalCount) > 0 {
				return out, incomplete("DescribeVaults", region, tea.StringValue(out.Body.RequestId), "vault list")
			}
			return out, err
		})
		if err != nil {
			return "", err
		}
		reqID = tea.StringValue(out.Body.RequestId)
		var vaults []*hbrsdk.DescribeVaultsResponseBodyVaultsVault
		if out.Body.Vaults != nil {
			vaults = out.Body.Vaults.Vault
		}
		for _, v := range vaults {
			if visit(vaultFrom(v)) {
				return reqID, nil
			}
		}
		if len(vaults) < pageSize || int64(page)*pageSize >= int64(tea.Int32Value(out.Body.TotalCount)) {
			return reqID, nil
		}
	}
}

func vaultFrom(v *hbrsdk.DescribeVaultsResponseBodyVaultsVault) *Vault {
	return &Vault{ID: tea.StringValue(v.VaultId), Name: tea.StringValue(v.VaultName), Region: tea.StringValue(v.VaultRegionId),
		Status: tea.StringValue(v.Status), StorageBytes: tea.Int64Value(v.StorageSize), Created: unixTime(v.CreatedTime)}
}

// EnsureVault finds or creates the vault, then waits for it to be CREATED.
func (c *client) EnsureVault(ctx context.Context, region, name string) (*Vault, error) {
	v, err := ensure(ctx, c, "CreateVault", logrus.Fields{"region": region, "vault": name},
		func() (*Vault, error) { return c.FindVault(ctx, region, name) },
		func() (*Vault, error) {
			id, err := c.createVault(ctx, region, name)
			return &Vault{ID: id, Name: name, Region: region, Status: VaultInitializing}, err
		})
	if err != nil {
		return nil, err
	}
	return c.waitVault(ctx, region, v)
}

func (c *client) createVault(ctx context.Context, region, name string) (string, error) {
	req := &hbrsdk.CreateVaultRequest{VaultName: tea.String(name), VaultRegionId: tea.String(region),
		VaultType: tea.String("STANDARD"), Description: tea.String("Velero backups of Kubernetes volumes")}
	out, err := once(ctx, c, "CreateVault", region, name, func(sdk *hbrsdk.Client, rt *util.RuntimeOptions) (*hbrsdk.CreateVaultResponse, error) {
		return sdk.CreateVaultWithOptions(req, rt)
	})
	if err != nil {
		return "", err
	}
	if tea.StringValue(out.Body.VaultId) == "" {
		return "", incomplete("CreateVault", name, tea.StringValue(out.Body.RequestId), "vault ID")
	}
	return tea.StringValue(out.Body.VaultId), nil
}

// waitVault polls a vault until it is CREATED; a vault in ERROR fails.
func (c *client) waitVault(ctx context.Context, region string, v *Vault) (*Vault, error) {
	for {
		switch v.Status {
		case VaultCreated:
			return v, nil
		case VaultError:
			return nil, &cloud.Error{Service: "hbr", Operation: "DescribeVaults", Resource: v.ID, Kind: cloud.ErrInvalid,
				Code: VaultError, Message: "vault " + v.Name + " is in status ERROR"}
		}
		if err := c.throttle.Sleep(ctx, vaultPoll); err != nil {
			return nil, &cloud.Error{Service: "hbr", Operation: "DescribeVaults", Resource: v.ID, Kind: cloud.ErrUnavailable,
				Message: "vault " + v.Name + " still " + v.Status, Err: err}
		}
		var err error
		if v, err = c.DescribeVault(ctx, region, v.ID); err != nil {
			return nil, err
		}
	}
}
