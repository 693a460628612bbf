// Development: the smallest footprint that still runs both silo pools; everything scales to zero GPU nodes when idle.
using '../main.bicep'

param environmentName = 'dev'
param namePrefix = 'oingest'
param storageSku = 'Standard_LRS'
param softDeleteRetentionDays = 7
param enablePrivateEndpoints = false
param aksSkuTier = 'Free'
param systemPoolVmSize = 'Standard_D2ds_v5'
param systemPoolCount = 1
param cpuPoolVmSize = 'Standard_D4ds_v5'
param cpuPoolMinCount = 1
param cpuPoolMaxCount = 3
param gpuPoolVmSize = 'Standard_NC4as_T4_v3'
param gpuPoolMinCount = 0
param gpuPoolMaxCount = 1
param acrSku = 'Basic'
param logRetentionDays = 30
param operatorPrincipalIds = []
