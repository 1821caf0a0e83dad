"""JupyterHub for a class on one machine: every student gets JupyterLab with the deltalab kernel and extension.

Started by `npm run hub` (scripts/hub.mjs), which sets up the repository first and passes the settings below
through the environment. NOT FOR PRODUCTION: every student logs in with one shared password (so anyone who has
it can log in as any student), and all servers run as the operating-system user that started the hub (a kernel
can read every home under the state folder). The README's "Teaching a class" and docs/deploy.md say how to use
a real authenticator (OAuth) and one container per student.

Environment (scripts/hub.mjs fills in the defaults):
  DELTALAB_ROOT                  the repository (course notebooks, configurable-http-proxy)
  DELTALAB_PYTHON_BIN            the bin/ folder of the Python environment that holds Jupyter (.venv/bin)
  DELTALAB_HUB_STATE             database, cookie secret and the students' homes (state/home/<name>)
  DELTALAB_HUB_PASSWORD          the shared password (at least 8 characters)
  DELTALAB_HUB_USERS             comma-separated user names allowed to log in; empty: any name
  DELTALAB_HUB_IP, DELTALAB_HUB_PORT                 where the students connect (127.0.0.1:8000)
  DELTALAB_HUB_API_PORT, DELTALAB_HUB_PROXY_API_PORT the hub's and the proxy's own ports (8081, 8001)
  DELTALAB_HUB_EXTRA_CONFIG      a configuration file of yours, loaded last (e.g. a real authenticator)
"""

import os
import shutil
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner

c = get_config()  # noqa: F821 (provided by JupyterHub when it loads this file)


def setting(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None or value == "":
        raise SystemExit(f"jupyterhub_config.py: {name} is not set; start the hub with `npm run hub`")
    return value


root = Path(setting("DELTALAB_ROOT", str(Path(__file__).resolve().parents[1])))
python_bin = Path(setting("DELTALAB_PYTHON_BIN", str(root / ".venv" / "bin")))
state = Path(setting("DELTALAB_HUB_STATE", str(root / ".deltalab" / "hub")))
homes = state / "home"
notebooks = root / "notebooks"

# Where students connect, and the hub's and the proxy's internal ports, all on this machine only by default.
c.JupyterHub.bind_url = f"http://{setting('DELTALAB_HUB_IP', '127.0.0.1')}:{setting('DELTALAB_HUB_PORT', '8000')}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(setting("DELTALAB_HUB_API_PORT", "8081"))
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{setting('DELTALAB_HUB_PROXY_API_PORT', '8001')}"
c.ConfigurableHTTPProxy.command = [str(root / "node_modules" / ".bin" / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = str(state / "jupyterhub-proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")

# A trial run: one shared password. See the README's "Teaching a class" for OAuth.
c.JupyterHub.authenticator_class = "jupyterhub.authenticators.shared.SharedPasswordAuthenticator"
c.SharedPasswordAuthenticator.user_password = setting("DELTALAB_HUB_PASSWORD")
allowed = [name.strip() for name in os.environ.get("DELTALAB_HUB_USERS", "").split(",") if name.strip()]
if allowed:
    c.Authenticator.allowed_users = set(allowed)
else:
    c.Authenticator.allow_all = True

# One process per student, all as this machine's user, each in its own home under the state folder.
c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
c.SimpleLocalProcessSpawner.home_dir_template = str(homes / "{username}")
c.Spawner.cmd = [str(python_bin / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab/tree/00-welcome.ipynb"
c.Spawner.args = ["--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
if os.getuid() == 0:
    c.Spawner.args.append("--allow-root")
# WebGPU on the CPU through Mesa needs a surfaceless EGL platform (as binder/start sets it).
c.Spawner.environment = {"EGL_PLATFORM": "surfaceless"}
# A shared two-core machine starts eight servers slowly; the defaults (60 s, 30 s) are too short for that.
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 180


# Each student's server listens on a port of its own, below the ephemeral range. The spawner's default is a random
# free port found by binding port 0 and letting it go: eight servers and their kernels starting at once can be handed
# the same one, and then one student's server fails to start while the hub sees another's answer on its port (the
# student's requests came back 404, then 424).
STUDENT_PORT_BASE = 20000
STUDENT_PORT_LAST = 32767


def before_spawn(spawner) -> None:
    copy_course_notebooks(spawner)
    if isinstance(spawner, LocalProcessSpawner) and STUDENT_PORT_BASE + spawner.user.id <= STUDENT_PORT_LAST:
        spawner.port = STUDENT_PORT_BASE + spawner.user.id


def copy_course_notebooks(spawner) -> None:
    """Before a student's server starts: a copy of every course notebook the student does not have yet.

    A notebook already in the home is the student's work and is never overwritten.
    """
    home = Path(spawner.home_dir)
    home.mkdir(parents=True, exist_ok=True)
    for source in sorted(notebooks.glob("*.ipynb")):
        target = home / source.name
        if not target.exists():
            shutil.copyfile(source, target)


c.Spawner.pre_spawn_hook = before_spawn


# The teacher's own settings last, so that they win (docs/deploy.md shows OAuth this way).
extra_config = os.environ.get("DELTALAB_HUB_EXTRA_CONFIG")
if extra_config:
    if not Path(extra_config).is_file():
        raise SystemExit(f"jupyterhub_config.py: DELTALAB_HUB_EXTRA_CONFIG={extra_config} is not a file")
    load_subconfig(extra_config)  # noqa: F821 (provided by traitlets when it loads this file)
