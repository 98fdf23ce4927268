package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	hbrsdk "github.com/alibabacloud-go/hbr-20170908/v2/client"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRunServesHBRWithFlags(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdoutR, stdoutW := io.Pipe()
	var stderr lockedBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-access-key-id", "LTAIflag", "-access-key-secret", "flag-secret",
			"-hbr-throughput", "8MiB/s", "-hbr-vault-init-delay", "0", "-hbr-job-start-delay", "2s",
			"-fault", "service=hbr,op=CreateVault,code=Throttling.User,count=1"}, stdoutW, &stderr)
		_ = stdoutW.Close()
	}()
	line, err := bufio.NewReader(stdoutR).ReadString('\n')
	require.NoError(t, err, "stderr: %s", stderr.String())
	url := strings.TrimSpace(strings.TrimPrefix(line, "listening on "))
	go func() { _, _ = io.Copy(io.Discard, stdoutR) }()

	host := strings.TrimPrefix(url, "http://")
	c, err := hbrsdk.NewClient(&openapi.Config{Endpoint: tea.String(host), Protocol: tea.String("HTTP"), RegionId: tea.String("cn-hangzhou"),
		AccessKeyId: tea.String("LTAIflag"), AccessKeySecret: tea.String("flag-secret")})
	require.NoError(t, err)
	req := &hbrsdk.CreateVaultRequest{VaultName: tea.String("v"), VaultRegionId: tea.String("cn-hangzhou")}
	_, err = c.CreateVault(req)
	var se *tea.SDKError
	require.True(t, errors.As(err, &se), "the -fault flag reaches HBR: %v", err)
	assert.Equal(t, "Throttling.User", tea.StringValue(se.Code))
	v, err := c.CreateVault(req)
	require.NoError(t, err)
	vaults, err := c.DescribeVaults(&hbrsdk.DescribeVaultsRequest{VaultId: v.Body.VaultId})
	require.NoError(t, err)
	assert.Equal(t, "CREATED", tea.StringValue(vaults.Body.Vaults.Vault[0].Status), "-hbr-vault-init-delay 0")

	resp, err := http.Get(url + "/_admin/hbr/settings")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	assert.JSONEq(t, `{"throughput":"8MiB/s","jobStartDelay":"2s","vaultInitDelay":"0s","activated":true}`, string(body))

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(15 * time.Second):
		t.Fatal("run did not return after the context was cancelled")
	}
	assert.NotContains(t, stderr.String(), "flag-secret")
}
