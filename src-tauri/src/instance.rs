//! One Couplet per data folder. A full synchronization keeps the app running after its
//! window closes; starting Couplet again then asks that running app to open its window
//! (with the live progress) instead of starting a second copy on the same state.
//!
//! The running app listens on a loopback port written, with a random token, to a file in the
//! data folder; a new start connects, sends `show <token>`, and exits when the answer is `ok`.

use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The file, in the data folder, that tells where the running app listens.
pub const INSTANCE_FILE: &str = "desktop-instance";
/// How long a new start waits for the running app to answer.
const ANSWER_TIMEOUT: Duration = Duration::from_millis(1500);

/// What a start found.
pub enum Claim {
    /// No other app runs on this data folder: this one is it, and listens here.
    First(Listener),
    /// Another app runs on this data folder and was asked to show its window.
    AlreadyRunning,
}

/// The running app's end: answers new starts.
pub struct Listener {
    listener: TcpListener,
    token: String,
}

/// Why the single-instance check failed (the app then runs anyway, without it).
#[derive(Debug, thiserror::Error)]
#[error("the single-instance check at {path} failed: {source}")]
pub struct InstanceError {
    path: PathBuf,
    source: std::io::Error,
}

/// Asks a running app on `data_dir` to show its window; when none answers, becomes the one.
pub fn claim(data_dir: &Path) -> Result<Claim, InstanceError> {
    let path = data_dir.join(INSTANCE_FILE);
    if let Ok(text) = std::fs::read_to_string(&path)
        && let Some((port, token)) = text.trim().split_once(' ')
        && let Ok(port) = port.parse::<u16>()
        && ask_to_show(port, token)
    {
        return Ok(Claim::AlreadyRunning);
    }
    let error = |source| InstanceError {
        path: path.clone(),
        source,
    };
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(error)?;
    let port = listener.local_addr().map_err(error)?.port();
    let token = uuid::Uuid::new_v4().simple().to_string();
    std::fs::write(&path, format!("{port} {token}\n")).map_err(error)?;
    Ok(Claim::First(Listener { listener, token }))
}

/// Whether an app answered `ok` to `show <token>` on `port`.
fn ask_to_show(port: u16, token: &str) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, ANSWER_TIMEOUT) else {
        return false;
    };
    if stream.set_read_timeout(Some(ANSWER_TIMEOUT)).is_err()
        || writeln!(stream, "show {token}").is_err()
    {
        return false;
    }
    let mut answer = String::new();
    BufReader::new(stream).read_line(&mut answer).is_ok() && answer.trim() == "ok"
}

impl Listener {
    /// Answers new starts on a background thread, calling `show` for each genuine one.
    pub fn serve(self, show: impl Fn() + Send + 'static) {
        std::thread::spawn(move || {
            for stream in self.listener.incoming() {
                let Ok(stream) = stream else { continue };
                answer(stream, &self.token, &show);
            }
        });
    }
}

/// Reads one request; when it carries the token, calls `show` and only then answers `ok`, so
/// the new start exits knowing the window was asked to show.
fn answer(stream: TcpStream, token: &str, show: &impl Fn()) {
    if stream.set_read_timeout(Some(ANSWER_TIMEOUT)).is_err() {
        return;
    }
    let mut line = String::new();
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    if BufReader::new(stream).read_line(&mut line).is_err() {
        return;
    }
    if line.trim() == format!("show {token}") {
        show();
        // If the new start is gone already, the window was still shown.
        let _ = writeln!(writer, "ok");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn a_second_start_asks_the_running_app_to_show_its_window() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let shown = Arc::new(AtomicUsize::new(0));
        let Claim::First(listener) = claim(dir.path()).expect("claims") else {
            panic!("nothing runs yet, so this start is the first");
        };
        let counter = Arc::clone(&shown);
        listener.serve(move || {
            counter.fetch_add(1, Ordering::SeqCst);
        });

        assert!(matches!(
            claim(dir.path()).expect("asks"),
            Claim::AlreadyRunning
        ));
        assert_eq!(shown.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_file_left_by_an_app_that_is_gone_is_taken_over() {
        let dir = tempfile::tempdir().expect("a temp dir");
        // A port nothing listens on: bind one, note it, close it.
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        std::fs::write(dir.path().join(INSTANCE_FILE), format!("{port} stale\n")).expect("writes");
        assert!(matches!(
            claim(dir.path()).expect("claims"),
            Claim::First(_)
        ));
    }

    #[test]
    fn a_request_without_the_token_shows_nothing() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let shown = Arc::new(AtomicUsize::new(0));
        let Claim::First(listener) = claim(dir.path()).expect("claims") else {
            panic!("first start");
        };
        let port = listener.listener.local_addr().expect("bound").port();
        let counter = Arc::clone(&shown);
        listener.serve(move || {
            counter.fetch_add(1, Ordering::SeqCst);
        });
        assert!(!ask_to_show(port, "guessed"));
        assert_eq!(shown.load(Ordering::SeqCst), 0);
    }
}
