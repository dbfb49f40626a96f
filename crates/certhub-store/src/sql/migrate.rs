//! Applying the schema's migrations: SQL steps, and the row rewrites that SQL cannot express on both backends.

use certhub_core::StoreError;

use super::rows::{db, json};
use super::tx::Tx;
use super::{Pool, SqlStore};
use crate::schema;

impl SqlStore {
    /// Applies the migrations this database has not seen, in one transaction.
    pub(super) async fn migrate(&self) -> Result<(), StoreError> {
        let migrations = schema::for_backend(matches!(self.pool, Pool::Postgres(_)));
        with_pool!(self, p => {
            let _writer = self.writer().await;
            let mut tx = Tx::begin(p).await.map_err(db)?;
            if let Pool::Postgres(_) = &self.pool {
                // Several nodes may start at once: one migrates, the others wait.
                sqlx::query("SELECT pg_advisory_xact_lock(7311001)").execute(&mut *tx).await.map_err(db)?;
            }
            sqlx::query("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY)")
                .execute(&mut *tx).await.map_err(db)?;
            let done: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM schema_migrations")
                .fetch_one(&mut *tx).await.map_err(db)?;
            let done = done.unwrap_or(0);
            for (i, m) in migrations.iter().enumerate() {
                let version = i as i64 + 1;
                if version <= done {
                    continue;
                }
                match m {
                    schema::Step::Sql(sql) => {
                        for stmt in schema::statements(sql) {
                            sqlx::query(stmt).execute(&mut *tx).await.map_err(db)?;
                        }
                    }
                    schema::Step::TypedExtra => {
                        let rows: Vec<(String, String)> =
                            sqlx::query_as("SELECT id, extra FROM certificates").fetch_all(&mut *tx).await.map_err(db)?;
                        for (id, extra) in rows {
                            let old: serde_json::Value =
                                serde_json::from_str(&extra).map_err(|e| StoreError::Corrupt(format!("extra of {id}: {e}")))?;
                            sqlx::query("UPDATE certificates SET extra = $1 WHERE id = $2")
                                .bind(json(&crate::legacy::convert(&old))?).bind(&id).execute(&mut *tx).await.map_err(db)?;
                        }
                    }
                }
                sqlx::query("INSERT INTO schema_migrations (version) VALUES ($1)")
                    .bind(version).execute(&mut *tx).await.map_err(db)?;
            }
            tx.commit().await.map_err(db)?;
            Ok(())
        })
    }
}
