//! Applying the plan: steps 2 to 7 in order, each recorded in the state file once done, so that
//! `--resume` starts at the first step not recorded.

use std::time::{Duration, Instant};

use std::sync::atomic::{AtomicU64, Ordering};

use super::check::{check_offsets, first_put, wait_for_group};
use super::copy::{copy_file, copy_file_known, CopyJob, CopyMode};
use super::offsets::{consumer_offsets, queue_offsets};
use super::precopy::Counting;
use super::state::{Backup, CommitLogEnd, NodeRole, Step, StepRecord};
use super::{failpoint, now_ms, now_secs, Result, Upgrade, UpgradeError, UpgradeReport, UpgradeReporter};
use crate::ops::admin::Admin;
use crate::ops::gen_config;
use crate::ops::node::{Area, RangeDigest};
use crate::ops::verify_commitlog::{self, KnownDigest, Role, Verdict, VerifyOptions};

impl Upgrade {
    /// Runs every step not done yet, saving the state after each.
    ///
    /// # Errors
    /// [`UpgradeError::Preflight`] (nothing changed), [`UpgradeError::Divergent`] (nothing
    /// changed), and failures of the steps; the state file then says where to resume.
    pub async fn apply(mut self, reporter: &dyn UpgradeReporter) -> Result<UpgradeReport> {
        if !self.preflight.is_empty() {
            return Err(UpgradeError::Preflight(self.preflight.clone()));
        }
        let mut ran = Vec::new();
        for (i, step) in Step::ALL.iter().enumerate() {
            if self.state.done(*step).is_some() {
                continue;
            }
            reporter.on_step(i + 1, *step, &self.describe(*step));
            let started = Instant::now();
            let detail = match step {
                Step::Preflight => self.describe(Step::Preflight),
                Step::PreCopy => self.pre_copy(reporter)?,
                Step::StopOld => self.stop_old().await?,
                Step::Align => match self.align(reporter) {
                    Ok(detail) => detail,
                    Err(e @ UpgradeError::Divergent(_)) => {
                        // Nothing was written but the pre-copies (stopping the old brokers changed
                        // no file): remove them and forget this run, so the next one, with
                        // --align, starts afresh from stores as they were.
                        self.undo_pre_copy()?;
                        self.forget_state();
                        return Err(e);
                    }
                    Err(e) => return Err(e),
                },
                Step::Copy => self.copy_rest(reporter)?,
                Step::Configure => self.configure()?,
                Step::Start => self.start().await?,
                Step::Check => self.check().await?,
            };
            self.state.steps.push(StepRecord {
                step: *step,
                detail,
                finished_at: now_secs(),
                duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            });
            self.save()?;
            failpoint(&format!("after:{}", step.as_str()));
            ran.push(*step);
        }
        let mut report = self.report(false);
        for line in &mut report.steps {
            if ran.contains(&line.step) {
                line.status = "done".into();
            }
        }
        Ok(report)
    }

    async fn stop_old(&mut self) -> Result<String> {
        if self.state.downtime.stopped_at_ms.is_none() {
            self.state.downtime.stopped_at_ms = Some(now_ms());
            self.save()?;
        }
        // Master and slave at once: the downtime is the slower stop, not the sum (a slave that
        // misses the master's last writes is completed by align).
        let old: Vec<&super::Node> = self.nodes.iter().filter(|n| n.role != NodeRole::Third).collect();
        let stops = futures::future::join_all(
            old.iter()
                .map(|n| n.store.stop(&n.config_path, self.options.stop_grace)),
        )
        .await;
        let mut said = Vec::new();
        for (n, r) in old.iter().zip(stops) {
            said.push(format!("{} {}", n.self_id, r?.action));
        }
        let master = &self.nodes[0].store;
        // With a slave, align reads the master's newest file anyway and records its end there.
        if self.slave().is_none() {
            self.state.commitlog_end = self.master_commitlog_end(None)?;
        }
        self.state.queues = queue_offsets(&**master)?;
        self.state.consumer_offsets = consumer_offsets(&**master)?;
        Ok(format!(
            "{}; recorded {} queues and {} consumer offsets",
            said.join(", "),
            self.state.queues.len(),
            self.state.consumer_offsets.len()
        ))
    }

    /// Where the data of the master's newest commitlog file ends (the position of the seal blank
    /// a DLedger start writes, see [`CommitLogEnd`]): from `known` (file name, size, written
    /// length, as align's comparison read them) when it is that file, else by reading the file.
    fn master_commitlog_end(&self, known: Option<(&str, u64, u64)>) -> Result<Option<CommitLogEnd>> {
        let master = &self.nodes[0].store;
        let Some(last) = master.list_files()?.pop() else {
            return Ok(None);
        };
        let end = match known {
            Some((name, size, written)) if name == last.name && size == last.size => written,
            _ => master
                .digest_file(Area::CommitLog, &last.name, 0..u64::MAX)?
                .data_end
                .unwrap_or(0),
        };
        Ok(Some(CommitLogEnd {
            file: last.name,
            size: last.size,
            end,
        }))
    }

    fn align(&mut self, reporter: &dyn UpgradeReporter) -> Result<String> {
        let Some(slave) = self.slave() else {
            if self.state.commitlog_end.is_none() {
                self.state.commitlog_end = self.master_commitlog_end(None)?;
            }
            return Ok("skipped: no slave".into());
        };
        let master = &self.nodes[0];
        let known = self.known_digests(&[master, slave])?;
        let reused = known.len();
        let verify = verify_commitlog::verify_commitlog(
            &VerifyOptions {
                nodes: vec![
                    (Role::Master, master.store.boxed_store()),
                    (Role::Slave, slave.store.boxed_store()),
                ],
                last: self.options.last,
                allow_running: false,
                known,
            },
            &verify_commitlog::NoReporter,
        )?;
        let bad: Vec<String> = verify
            .files
            .iter()
            .filter(|f| {
                f.verdict == Verdict::Divergent
                    || (f.verdict == Verdict::Missing && f.copies.first().is_some_and(Option::is_none))
            })
            .map(|f| match f.comparisons.first().and_then(|c| c.first_difference) {
                Some(at) => format!("{} differs at offset {at}", f.name),
                None => format!("{} exists on the slave only", f.name),
            })
            .collect();
        if !bad.is_empty() && !self.options.align {
            return Err(UpgradeError::Divergent(bad.join(", ")));
        }
        // The master's newest file as the comparison read it (the master is stopped: unchanged).
        let newest = verify
            .files
            .iter()
            .filter_map(|f| f.copies.first().cloned().flatten().map(|c| (f.name.as_str(), c)))
            .max_by(|a, b| a.0.cmp(b.0))
            .map(|(name, c)| (name.to_owned(), c.size, c.written));
        let end = self.master_commitlog_end(newest.as_ref().map(|(n, s, w)| (n.as_str(), *s, *w)))?;
        self.state.commitlog_end = end;
        let Some(slave) = self.slave() else {
            return Ok("skipped: no slave".into());
        };
        let master = &self.nodes[0];
        let (mut completed, mut overwritten, mut identical, mut moved) = (0, 0, 0, 0);
        let counting = Counting {
            inner: reporter,
            bytes: AtomicU64::new(0),
        };
        let stamp = now_secs();
        for f in &verify.files {
            let master_copy = f.copies.first().cloned().flatten();
            let slave_copy = f.copies.get(1).cloned().flatten();
            match (f.verdict, master_copy, slave_copy) {
                (Verdict::Identical, _, _) => identical += 1,
                (verdict, Some(m), slave_copy) => {
                    // A slave that is behind gets the rest of the file, a missing one the whole
                    // file; a divergent one loses its copy and gets the master's.
                    let behind = verdict == Verdict::SlaveBehind;
                    let overwrite = !behind && slave_copy.is_some();
                    let from = match slave_copy {
                        Some(s) if behind => s.written,
                        _ => 0,
                    };
                    if overwrite {
                        slave.store.remove(Area::CommitLog, &f.name)?;
                    }
                    let job = CopyJob {
                        src: &master.store,
                        dst: &slave.store,
                        area: Area::CommitLog,
                        rel: f.name.clone(),
                        dst_rel: f.name.clone(),
                        from,
                        size: m.size,
                        // The comparison proved the slave's bytes below `from` are the master's.
                        mode: if from > 0 { CopyMode::Tail } else { CopyMode::Full },
                    };
                    // The master's md5 as the comparison just computed it (the master is stopped).
                    let known = hex::decode(&m.md5)
                        .ok()
                        .and_then(|d| <[u8; 16]>::try_from(d).ok())
                        .map(|d| (d, m.size));
                    copy_file_known(&job, known, self.options.throttle_mb_per_s, &counting)?;
                    if overwrite {
                        overwritten += 1;
                    } else {
                        completed += 1;
                    }
                }
                (_, None, Some(_)) => {
                    slave.store.rename_file(
                        Area::CommitLog,
                        &f.name,
                        &format!("{}.divergent-{stamp}", f.name),
                    )?;
                    moved += 1;
                }
                (_, None, None) => {}
            }
        }
        // Older master files the slave never had (a slave that attached late starts at the master's
        // then-newest file): every node must hold the same old commitlog, so copy them too.
        let compared: Vec<&str> = verify.files.iter().map(|f| f.name.as_str()).collect();
        let on_slave: Vec<String> = slave.store.list_files()?.into_iter().map(|f| f.name).collect();
        let mut filled = 0;
        for f in master.store.list_files()? {
            if compared.contains(&f.name.as_str()) || on_slave.contains(&f.name) {
                continue;
            }
            let job = CopyJob {
                src: &master.store,
                dst: &slave.store,
                area: Area::CommitLog,
                rel: f.name.clone(),
                dst_rel: f.name.clone(),
                from: 0,
                size: f.size,
                mode: CopyMode::Full,
            };
            copy_file(&job, self.options.throttle_mb_per_s, &counting)?;
            filled += 1;
        }
        let copied = counting.bytes.load(Ordering::Relaxed);
        self.state.downtime.bytes_during += copied;
        Ok(format!(
            "{identical} identical, {completed} completed from the master, {overwritten} overwritten, \
             {moved} slave-only moved aside, {filled} older file(s) the slave lacked copied ({copied} bytes); \
             {reused} file(s) hashed during the pre-copy and unchanged since not read again"
        ))
    }

    /// The digests `pre-copy` recorded (see [`super::state::Hashed`]) of files that still have
    /// the recorded size and modification time, for `nodes` in this order.
    fn known_digests(&self, nodes: &[&super::Node]) -> Result<Vec<KnownDigest>> {
        let mut out = Vec::new();
        for (i, n) in nodes.iter().enumerate() {
            let mine: Vec<_> = self.state.hashed.iter().filter(|h| h.node == n.self_id).collect();
            if mine.is_empty() {
                continue;
            }
            let listing = n.store.list_tree(Area::CommitLog, "")?;
            for h in mine {
                let unchanged = listing
                    .iter()
                    .any(|f| f.rel == h.name && f.size == h.size && f.mtime_ns == Some(h.mtime_ns));
                let md5 = hex::decode(&h.md5)
                    .ok()
                    .and_then(|m| <[u8; 16]>::try_from(m).ok());
                if let (true, Some(md5)) = (unchanged, md5) {
                    out.push(KnownDigest {
                        node: i,
                        name: h.name.clone(),
                        size: h.size,
                        digest: RangeDigest {
                            md5,
                            len: h.size,
                            first_nonzero: h.first_nonzero,
                            data_end: h.data_end,
                        },
                    });
                }
            }
        }
        Ok(out)
    }

    fn configure(&mut self) -> Result<String> {
        let stamp = now_secs();
        for n in &self.nodes {
            if !self.state.backups.iter().any(|b| b.config == n.config_path) {
                let backup = n.store.backup_config(&format!(".bak-{stamp}"))?;
                self.state.backups.push(Backup {
                    config: n.config_path.clone(),
                    backup,
                });
                self.save()?;
            }
            let backup = self
                .state
                .backups
                .iter()
                .find(|b| b.config == n.config_path)
                .map(|b| b.backup.clone())
                .unwrap_or_default();
            let old = n.store.read_config_backup(&backup)?;
            let text = gen_config::derive_node_text(
                &n.config_path.display().to_string(),
                &old,
                &self.state.cluster,
                &self.state.group,
                &self.state.peers,
                &n.self_id,
            )?;
            n.store.write_config(&text)?;
        }
        let acl = super::acl::copy_to_new_nodes(&self.nodes)?;
        Ok(format!(
            "backed up and rewrote {} configs (backups *.bak-{stamp}){}",
            self.nodes.len(),
            acl.iter().map(|c| format!("; {c}")).collect::<String>()
        ))
    }

    async fn start(&mut self) -> Result<String> {
        let mut idle = Vec::new();
        for n in &self.nodes {
            if !n.store.running(&n.config_path).await? {
                idle.push(n);
            }
        }
        // All at once: each start waits a moment to see its broker alive, and the group elects
        // once a majority is up.
        let starts = futures::future::join_all(
            idle.iter()
                .map(|n| n.store.start(&n.config_path, &self.options.bin_dir)),
        )
        .await;
        let mut pids = Vec::new();
        for r in starts {
            pids.extend(r?.pids);
        }
        let admin = Admin::new(&self.state.namesrv);
        let leader = wait_for_group(&admin, &self.state.group, 3, None, self.options.group_timeout).await?;
        self.state.leader = Some(leader.clone());
        if self.state.downtime.serving_at_ms.is_none() {
            self.state.downtime.serving_at_ms = Some(now_ms());
        }
        Ok(format!(
            "started pids {pids:?}; leader {leader} and two followers registered"
        ))
    }

    async fn check(&mut self) -> Result<String> {
        let admin = Admin::new(&self.state.namesrv);
        let deadline = Instant::now() + self.options.group_timeout;
        // Meanwhile, watch for the first send the new group acknowledges (producers that kept
        // retrying through the upgrade): that ends the downtime.
        let watcher = (!self.state.downtime.saw_send).then(|| {
            tokio::spawn(first_put(
                Admin::new(&self.state.namesrv),
                self.state.group.clone(),
                self.options.group_timeout,
            ))
        });
        // The leader serves reads once it has replayed the old log, and leadership may still
        // move right after the election: re-resolve BID 0 and retry until the deadline.
        let leader = loop {
            let leader =
                wait_for_group(&admin, &self.state.group, 3, None, self.options.group_timeout).await?;
            self.state.leader = Some(leader.clone());
            let problems = check_offsets(&admin, &leader, &self.state).await;
            if problems.is_empty() {
                break leader;
            }
            if Instant::now() > deadline {
                return Err(UpgradeError::CheckFailed(problems));
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        };
        if let Some(w) = watcher {
            if w.is_finished() {
                if let Ok(Some(at)) = w.await {
                    self.state.downtime.serving_at_ms = Some(at);
                    self.state.downtime.saw_send = true;
                }
            } else {
                w.abort();
            }
        }
        Ok(format!(
            "{} old queues (every message up to the old max offset, first and last readable) and {} \
             consumer offsets kept on {leader}; what arrived since is accepted",
            self.state.queues.len(),
            self.state.consumer_offsets.len()
        ))
    }
}
