//! The application's work for a session, run by the session's own task with a waker of its
//! own: a wake-up of the work says "poll the work" without making the scheduler poll the task
//! again when the task is running anyway (its driver checks the flag before it sleeps).
//!
//! A message read from the websocket is queued for the work, which handles it, and the
//! handler's answer is written, all in one poll of the task.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};

use futures_util::FutureExt;
use futures_util::task::AtomicWaker;

use super::server::SessionTask;
use super::session::SessionShared;

/// The work, and what wakes it.
pub(crate) struct AppTask {
    work: SessionTask,
    wake: Arc<AppWake>,
    waker: Waker,
}

/// The work's waker: it notes the wake-up, and wakes the session's task only while that one
/// is not running (the driver looks at the note before it sleeps).
pub(crate) struct AppWake {
    shared: Arc<SessionShared>,
    woken: AtomicBool,
    task: AtomicWaker,
}

impl Wake for AppWake {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::SeqCst);
        if !self.shared.is_driver_active() {
            self.task.wake();
        }
    }
}

impl AppTask {
    pub(crate) fn new(work: SessionTask, shared: Arc<SessionShared>) -> AppTask {
        let wake = Arc::new(AppWake {
            shared,
            // Polled once at the start.
            woken: AtomicBool::new(true),
            task: AtomicWaker::new(),
        });
        let waker = Waker::from(wake.clone());
        AppTask { work, wake, waker }
    }

    /// Whether the work was woken since it was last polled.
    pub(crate) fn is_woken(&self) -> bool {
        self.wake.woken.load(Ordering::SeqCst)
    }

    /// Polls the work if it was woken. Returns true once it has ended (a panic in it ends
    /// it: the session is then closed).
    pub(crate) fn poll_if_woken(&mut self) -> bool {
        if !self.wake.woken.swap(false, Ordering::SeqCst) {
            return false;
        }
        let mut cx = Context::from_waker(&self.waker);
        let polled =
            std::panic::catch_unwind(AssertUnwindSafe(|| self.work.as_mut().poll(&mut cx)));
        match polled {
            Ok(Poll::Pending) => false,
            Ok(Poll::Ready(())) => true,
            Err(_) => {
                panicked(&self.wake.shared);
                true
            }
        }
    }

    /// What wakes the work (for [`app_woken`]).
    pub(crate) fn wake(&self) -> &AppWake {
        &self.wake
    }

    /// Runs the work to its end with the task's own waker (the session is gone: there is
    /// nothing else for the task to do).
    pub(crate) async fn finish(self) {
        let shared = self.wake.shared.clone();
        if AssertUnwindSafe(self.work).catch_unwind().await.is_err() {
            panicked(&shared);
        }
    }
}

/// Polls the work in `app` if it was woken; an ended work is dropped (`app` becomes `None`).
pub(crate) fn poll_work(app: &mut Option<AppTask>) {
    if app.as_mut().is_some_and(AppTask::poll_if_woken) {
        *app = None;
    }
}

/// Resolves once the work `wake` belongs to is woken (the task's waker is kept for that);
/// never when there is no work.
pub(crate) async fn app_woken(wake: Option<&AppWake>) {
    let Some(wake) = wake else {
        return std::future::pending().await;
    };
    std::future::poll_fn(|cx| {
        wake.task.register(cx.waker());
        if wake.woken.load(Ordering::SeqCst) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
}

fn panicked(shared: &SessionShared) {
    tracing::error!(sid = %shared.sid, "the application's work for a connection panicked: closing it");
    shared.with(|inner| {
        inner
            .machine
            .terminate(engineio_proto::CloseReason::ForcedClose)
    });
}
