//! Cursor paging: every cursor-paged operation `list_x` has a `list_x_stream` method returning a
//! [`Paginator`], a [`Stream`] of the list's items that follows the cursors for you, one request
//! at a time. [`Paginator::pages`] gives whole pages with their `total_count` instead, and
//! [`Paginator::backward`] follows `before` instead of `after`.

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

pub use futures_core::Stream;

use crate::Error;

/// One page of a cursor-paged list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The page's items, in the server's order.
    pub items: Vec<T>,
    /// The cursor to pass as `before` for the page before this one; empty at the start.
    pub before: String,
    /// The cursor to pass as `after` for the page after this one; empty at the end.
    pub after: String,
    /// How many items match the filters in all, whatever the page size.
    pub total_count: Option<i64>,
}

impl<T> Page<T> {
    /// A page from a response's items and its `(before, after, total_count)`, if it had any.
    #[doc(hidden)]
    pub fn new(items: Vec<T>, cursors: Option<(String, String, Option<i64>)>) -> Self {
        let (before, after, total_count) = cursors.unwrap_or_default();
        Self {
            items,
            before,
            after,
            total_count,
        }
    }
}

/// Which cursor the next request carries.
#[derive(Debug, Clone, PartialEq, Eq)]
#[doc(hidden)]
pub enum Cursor {
    /// The first request: the caller's options as given.
    Start,
    /// `after=…`, `before` left out.
    After(String),
    /// `before=…`, `after` left out.
    Before(String),
}

impl Cursor {
    /// Sets the options' `before` and `after` fields for this request.
    pub fn apply(self, before: &mut Option<String>, after: &mut Option<String>) {
        match self {
            Self::Start => {}
            Self::After(cursor) => {
                *before = None;
                *after = Some(cursor);
            }
            Self::Before(cursor) => {
                *before = Some(cursor);
                *after = None;
            }
        }
    }
}

type PageFuture<'a, T, E> = Pin<Box<dyn Future<Output = Result<Page<T>, Error<E>>> + Send + 'a>>;
type Fetch<'a, T, E> = Box<dyn FnMut(Cursor) -> PageFuture<'a, T, E> + Send + 'a>;

/// The items of a cursor-paged list, fetched page by page as they are read: a [`Stream`] of
/// `Result<T, Error<E>>`, or use [`Paginator::try_next`] without any stream library.
///
/// It follows the response's `after` cursor (or `before`, after [`Paginator::backward`]) until
/// the server returns an empty one, keeping the caller's filters and `limit`. One request is in
/// flight at a time, and each is an ordinary call of the operation (signed, verified, retried
/// by the client's [`RetryPolicy`](crate::RetryPolicy)). The stream ends after the first error;
/// a server that hands back a cursor already followed ends it with [`Error::RepeatedCursor`]
/// instead of looping.
#[must_use = "a paginator does nothing until it is polled"]
pub struct Paginator<'a, T, E> {
    operation: &'static str,
    fetch: Fetch<'a, T, E>,
    backward: bool,
    /// The next request's cursor; `None` once the list or the stream has ended.
    next: Option<Cursor>,
    in_flight: Option<PageFuture<'a, T, E>>,
    followed: HashSet<String>,
    /// A cursor the server handed back twice: the error that ends the stream, once the page
    /// that carried it has been delivered.
    repeated: Option<String>,
    items: VecDeque<T>,
}

// No field is ever pinned in place: the page future is boxed.
impl<T, E> Unpin for Paginator<'_, T, E> {}

impl<T, E> fmt::Debug for Paginator<'_, T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Paginator")
            .field("operation", &self.operation)
            .field("backward", &self.backward)
            .field("finished", &self.next.is_none())
            .field("buffered", &self.items.len())
            .finish()
    }
}

impl<'a, T, E> Paginator<'a, T, E> {
    /// A paginator whose `fetch` makes one request for a cursor.
    #[doc(hidden)]
    pub fn new(
        operation: &'static str,
        fetch: impl FnMut(Cursor) -> PageFuture<'a, T, E> + Send + 'a,
    ) -> Self {
        Self {
            operation,
            fetch: Box::new(fetch),
            backward: false,
            next: Some(Cursor::Start),
            in_flight: None,
            followed: HashSet::new(),
            repeated: None,
            items: VecDeque::new(),
        }
    }

    /// Follows `before` instead of `after`: from the options' `before` cursor towards the start
    /// of the list. Call it before reading.
    pub fn backward(mut self) -> Self {
        self.backward = true;
        self
    }

    /// Whole pages, with their cursors and `total_count`, instead of items.
    pub fn pages(self) -> Pages<'a, T, E> {
        Pages(self)
    }

    /// The next item; `Ok(None)` at the end of the list. The same as `TryStreamExt::try_next`.
    pub async fn try_next(&mut self) -> Result<Option<T>, Error<E>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx))
            .await
            .transpose()
    }

    fn poll_page(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Page<T>, Error<E>>>> {
        if let Some(cursor) = self.repeated.take() {
            return Poll::Ready(Some(Err(Error::RepeatedCursor {
                operation: self.operation,
                cursor,
            })));
        }
        let future = match &mut self.in_flight {
            Some(future) => future,
            None => match self.next.take() {
                None => return Poll::Ready(None),
                Some(cursor) => self.in_flight.insert((self.fetch)(cursor)),
            },
        };
        let result = match future.as_mut().poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(result) => result,
        };
        self.in_flight = None;
        let page = match result {
            Ok(page) => page,
            Err(error) => return Poll::Ready(Some(Err(error))),
        };
        let cursor = if self.backward {
            &page.before
        } else {
            &page.after
        };
        if cursor.is_empty() {
            return Poll::Ready(Some(Ok(page)));
        }
        if !self.followed.insert(cursor.clone()) {
            self.repeated = Some(cursor.clone());
            return Poll::Ready(Some(Ok(page)));
        }
        self.next = Some(if self.backward {
            Cursor::Before(cursor.clone())
        } else {
            Cursor::After(cursor.clone())
        });
        Poll::Ready(Some(Ok(page)))
    }
}

impl<T, E> Stream for Paginator<'_, T, E> {
    type Item = Result<T, Error<E>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(item) = this.items.pop_front() {
                return Poll::Ready(Some(Ok(item)));
            }
            match this.poll_page(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Err(error))) => return Poll::Ready(Some(Err(error))),
                Poll::Ready(Some(Ok(page))) => this.items.extend(page.items),
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let more = self.next.is_some() || self.in_flight.is_some() || self.repeated.is_some();
        (self.items.len(), (!more).then_some(self.items.len()))
    }
}

/// The pages of a cursor-paged list: a [`Stream`] of `Result<Page<T>, Error<E>>`, from
/// [`Paginator::pages`]. An empty list is one empty page.
#[must_use = "pages do nothing until they are polled"]
#[derive(Debug)]
pub struct Pages<'a, T, E>(Paginator<'a, T, E>);

impl<T, E> Pages<'_, T, E> {
    /// The next page; `Ok(None)` after the last one.
    pub async fn try_next(&mut self) -> Result<Option<Page<T>>, Error<E>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx))
            .await
            .transpose()
    }
}

impl<T, E> Stream for Pages<'_, T, E> {
    type Item = Result<Page<T>, Error<E>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().0.poll_page(cx)
    }
}
