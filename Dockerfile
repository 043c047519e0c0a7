# One image for all five services; the command picks the service: `clinrelay serve <service>`.
# Two stages: dependencies are installed from the hash-pinned lock into a virtualenv in the build
# stage; the runtime stage gets that virtualenv and the run-time libraries only, and runs as a
# non-root user.
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/clinrelay
WORKDIR /src
COPY requirements.lock ./
RUN /opt/clinrelay/bin/pip install --require-hashes --no-deps -r requirements.lock
COPY pyproject.toml README.md LICENSE ./
COPY clinrelay ./clinrelay
COPY shared ./shared
COPY services ./services
RUN /opt/clinrelay/bin/pip install --no-deps --no-compile .

FROM python:3.11-slim-bookworm AS runtime
# WeasyPrint needs Pango (and HarfBuzz, fontconfig) at run time; DejaVu gives it a font.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libfontconfig1 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --no-create-home clinrelay
COPY --from=build /opt/clinrelay /opt/clinrelay
ENV PATH=/opt/clinrelay/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
USER 10001
EXPOSE 8000 8001 8080
ENTRYPOINT ["clinrelay"]
CMD ["serve", "gateway"]
