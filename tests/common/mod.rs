//! Running the real binary in a sandbox: a temp dir as working directory, no user config
//! reachable, no colour, a time limit.

// Each test binary uses its own subset of these helpers.
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

/// A temp dir to run in, with no user config reachable.
pub struct Sandbox {
    dir: TempDir,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("xdg")).expect("xdg dir");
        std::fs::create_dir_all(dir.path().join("home")).expect("home dir");
        Sandbox { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("parent dir");
        }
        std::fs::write(&path, text).expect("write");
        path
    }

    pub fn cmd(&self) -> Command {
        let mut cmd = Command::cargo_bin("hookbench").expect("binary");
        cmd.current_dir(self.dir.path())
            .env_remove("HOOKBENCH_DATA_DIR")
            .env_remove("CLICOLOR_FORCE")
            .env("NO_COLOR", "1")
            .env("XDG_CONFIG_HOME", self.path("xdg"))
            .env("HOME", self.path("home"))
            .timeout(Duration::from_secs(20));
        cmd
    }
}

/// stdout (as bytes and as text), stderr and exit code of a finished command.
pub struct Ran {
    pub bytes: Vec<u8>,
    pub stdout: String,
    pub stderr: String,
    pub code: Option<i32>,
}

pub fn run(cmd: &mut Command) -> Ran {
    let output = cmd.output().expect("runs");
    Ran {
        stdout: String::from_utf8(output.stdout.clone()).expect("utf-8 stdout"),
        bytes: output.stdout,
        stderr: String::from_utf8(output.stderr).expect("utf-8 stderr"),
        code: output.status.code(),
    }
}

pub fn json_lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}
