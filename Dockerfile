# One image for all five services; the command picks the service: `clinrelay serve <service>`.
FROM python:3.11-slim-bookworm AS base

# WeasyPrint needs Pango (and HarfBuzz, fontconfig) at run time; DejaVu gives it a font.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libfontconfig1 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY clinrelay ./clinrelay
COPY shared ./shared
COPY services ./services
RUN pip install --no-compile . && useradd --system --uid 10001 clinrelay

USER 10001
EXPOSE 8000 8001 8080
ENTRYPOINT ["clinrelay"]
CMD ["serve", "gateway"]
