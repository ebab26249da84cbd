//! A small connection pool: at most `size` connections, reused while open.

use std::sync::Mutex;

use tokio::sync::{Semaphore, SemaphorePermit};
use tokio_postgres::{Client, Config, NoTls};

use crate::store::StoreError;

pub struct Pool {
    config: Config,
    idle: Mutex<Vec<Client>>,
    permits: Semaphore,
}

/// A connection on loan. [`Pooled::release`] gives it back; dropping it
/// instead closes it (after a failure its state is not worth trusting).
pub struct Pooled<'a> {
    pub client: Client,
    pool: &'a Pool,
    _permit: SemaphorePermit<'a>,
}

impl Pool {
    pub fn new(config: Config, size: usize) -> Pool {
        Pool {
            config,
            idle: Mutex::new(Vec::new()),
            permits: Semaphore::new(size),
        }
    }

    pub async fn get(&self) -> Result<Pooled<'_>, StoreError> {
        let permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| StoreError::Backend("the connection pool is closed".into()))?;
        let reused = loop {
            match self.take_idle() {
                Some(client) if client.is_closed() => continue,
                other => break other,
            }
        };
        let client = match reused {
            Some(client) => client,
            None => connect(&self.config).await?,
        };
        Ok(Pooled {
            client,
            pool: self,
            _permit: permit,
        })
    }

    fn take_idle(&self) -> Option<Client> {
        self.idle.lock().ok()?.pop()
    }
}

/// Opens a connection and drives it on a task of its own.
pub async fn connect(config: &Config) -> Result<Client, StoreError> {
    let (client, connection) = config.connect(NoTls).await?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!(error = %super::describe(&e), "a PostgreSQL connection ended");
        }
    });
    Ok(client)
}

impl Pooled<'_> {
    pub fn release(self) {
        if let Ok(mut idle) = self.pool.idle.lock() {
            idle.push(self.client);
        }
    }
}
