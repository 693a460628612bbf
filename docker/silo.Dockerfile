# The silo/CLI image (CPU): `docker build -f docker/silo.Dockerfile -t orleans-ingest-silo:<version> .` from the
# repository root. Entry point `dotnet /app/orleans-ingest.dll`; Kubernetes passes `silo --kubernetes ...`.
#
# Base images are pinned to explicit patch versions (never a floating tag such as 10.0 or latest) so that a rebuild of
# the same commit gets the same runtime; release.yml bumps them deliberately. The SDK version matches global.json.
# Append @sha256:<digest> to a FROM line to pin the exact bytes as well (the tests accept either form).

FROM mcr.microsoft.com/dotnet/sdk:10.0.401-noble AS build
# npm fetches the Silero VAD model during the build (build/SileroVad.targets); the SDK image has no Node.js.
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
        -p:UseAppHost=false

# ASP.NET Core runtime: the silo serves /healthz, the Event Grid webhook and the dashboard.
FROM mcr.microsoft.com/dotnet/aspnet:10.0.12-noble AS runtime
# ffmpeg decodes M4A/MP4/AAC sources at run time.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg \
    && rm -rf /var/lib/apt/lists/*
# A silo runs for hours: tiered compilation's benefit (fast start) is spent once, while its recompilation of ~1,500
# hot ReadyToRun methods costs 5-10% of the CPU of the first jobs. With ReadyToRun code kept as compiled, one core ran
# the second job on a silo 23% cheaper (perf: non-ONNX-Runtime samples per ONNX Runtime sample 0.29 vs 0.37) and
# one-second files at 200-266/s instead of 150-178/s; it only slows a cold start (a one-file job 2.5 s -> 4.5 s).
ENV DOTNET_TieredCompilation=0
WORKDIR /app
COPY --from=build --chown=0:0 /app ./
# The image's non-root user (app, uid 1654), by number so that Kubernetes' runAsNonRoot can verify it. The files
# stay owned by root: the process can read but never rewrite its own binaries.
USER 1654:1654
# 11111 silo-to-silo, 30000 gateway, 8080 /healthz and the Event Grid webhook, 8090 the admin dashboard and /metrics.
EXPOSE 11111 30000 8080 8090
# Health is probed by Kubernetes on /healthz:8080 (infra/k8s); the image carries no curl to probe itself.
HEALTHCHECK NONE
ENTRYPOINT ["dotnet", "/app/orleans-ingest.dll"]
