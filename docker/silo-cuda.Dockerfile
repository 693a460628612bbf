# The silo/CLI image with ONNX Runtime's CUDA execution provider, for the GPU node pool:
# `docker build -f docker/silo-cuda.Dockerfile -t orleans-ingest-silo-cuda:<version> .` from the repository root.
#
# How the GPU build is selected: the publish below passes -p:OrleansIngestOnnxRuntime=gpu, which makes
# OrleansIngest.Processing reference Microsoft.ML.OnnxRuntime.Gpu.Linux (CUDA 12 + cuDNN 9 native libraries) instead
# of the CPU package Microsoft.ML.OnnxRuntime (see docs/deploy.md, "GPU build"). The silos on the GPU pool then run with
# ORLEANSINGEST__WORKER__EXECUTIONPROVIDER=cuda (infra/k8s/silo-gpu.yaml); the driver comes from the node.
#
# Base images are pinned to explicit versions, as in silo.Dockerfile. ONNX Runtime 1.31's CUDA provider is built for
# CUDA 12.x and cuDNN 9, which this runtime image carries; both it and the .NET images are Ubuntu 24.04 (noble), so the
# .NET runtime copied from the ASP.NET image finds the system libraries it was built against.

FROM mcr.microsoft.com/dotnet/sdk:10.0.401-noble AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY build/ build/
COPY src/ src/
RUN dotnet publish src/OrleansIngest.Cli/OrleansIngest.Cli.csproj \
        --configuration Release \
        --runtime linux-x64 \
        --self-contained false \
        --output /app \
        -p:UseAppHost=false \
        -p:OrleansIngestOnnxRuntime=gpu

# Only a source of the ASP.NET Core runtime files (/usr/share/dotnet), copied below; nothing of it runs.
FROM mcr.microsoft.com/dotnet/aspnet:10.0.12-noble AS dotnet

FROM nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04 AS runtime
# ffmpeg decodes M4A/MP4/AAC sources; ca-certificates for TLS to Azure Storage; the user mirrors the .NET images' app.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 1654 app \
    && useradd --uid 1654 --gid 1654 --no-create-home --home-dir /app --shell /usr/sbin/nologin app
COPY --from=dotnet /usr/share/dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet
ENV DOTNET_RUNNING_IN_CONTAINER=true \
    DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=true \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility
# A silo runs for hours: tiered compilation's benefit (fast start) is spent once, while its recompilation of ~1,500
# hot ReadyToRun methods costs 5-10% of the CPU of the first jobs. With ReadyToRun code kept as compiled, one core ran
# the second job on a silo 23% cheaper (perf: non-ONNX-Runtime samples per ONNX Runtime sample 0.29 vs 0.37) and
# one-second files at 200-266/s instead of 150-178/s; it only slows a cold start (a one-file job 2.5 s -> 4.5 s).
ENV DOTNET_TieredCompilation=0
WORKDIR /app
COPY --from=build --chown=0:0 /app ./
USER 1654:1654
# 11111 silo-to-silo, 30000 gateway, 8080 /healthz and the Event Grid webhook, 8090 the admin dashboard and /metrics.
EXPOSE 11111 30000 8080 8090
# Health is probed by Kubernetes on /healthz:8080 (infra/k8s); the image carries no curl to probe itself.
HEALTHCHECK NONE
ENTRYPOINT ["dotnet", "/app/orleans-ingest.dll"]
