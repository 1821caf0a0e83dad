# The single-user image for a class on a cluster: JupyterLab with the deltalab kernel and extension, for Zero to
# JupyterHub (Kubernetes) or DockerSpawner (docs/deploy.md). It is set up by the same script as every other
# install (`npm run setup`, run as root: Debian's Mesa, Chromium and Fashion-MNIST, `npm ci`, .venv from the pinned
# requirements.txt, every package built, kernelspec and extension installed into .venv), so the image holds what
# `npm test` tests; `docker run --rm deltalab-singleuser npm test` runs those tests inside it.
#
#   docker build -t deltalab-singleuser .
#
# Python 3.11 (Debian 12's) and Node 20, as binder/environment.yml asks of repo2docker.
FROM node:20.20.2-bookworm

RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /srv/deltalab
COPY . .
RUN npm run setup && rm -rf /var/lib/apt/lists/* /root/.npm /root/.cache

# Zero to JupyterHub and DockerSpawner run the server as uid 1000 with its home at /home/jovyan; the base image's
# uid 1000 ("node") becomes that user.
RUN usermod --login jovyan --home /home/jovyan --move-home node \
 && groupmod --new-name jovyan node
ENV PATH=/srv/deltalab/.venv/bin:$PATH \
    HOME=/home/jovyan \
    EGL_PLATFORM=surfaceless
USER 1000
WORKDIR /home/jovyan
EXPOSE 8888

ENTRYPOINT ["/srv/deltalab/hub/singleuser-start"]
CMD ["jupyterhub-singleuser", "--ip=0.0.0.0", "--port=8888"]
