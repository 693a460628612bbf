// Production: zone-redundant storage reached through private endpoints, the AKS uptime SLA, and room to scale out.
using '../main.bicep'

param environmentName = 'prod'
param namePrefix = 'oingest'
param storageSku = 'Standard_GZRS'
param softDeleteRetentionDays = 30
param enablePrivateEndpoints = true
param aksSkuTier = 'Standard'
param systemPoolVmSize = 'Standard_D4ds_v5'
param systemPoolCount = 3
param cpuPoolVmSize = 'Standard_D16ds_v5'
param cpuPoolMinCount = 2
param cpuPoolMaxCount = 20
param gpuPoolVmSize = 'Standard_NC24ads_A100_v4'
param gpuPoolMinCount = 0
param gpuPoolMaxCount = 8
param acrSku = 'Premium'
param logRetentionDays = 90
// Object ids of the operators' Entra ID group; set before deploying (az ad group show --group <name> --query id).
param operatorPrincipalIds = []
param operatorPrincipalType = 'Group'
