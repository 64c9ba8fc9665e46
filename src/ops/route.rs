//! The queues of a topic route on each broker group's master (BID 0), which every tool that
//! sends to or reads from queues needs: `sendMessage`, `consumeMessage` and the benchmarks.
//! They differ only in which queue count they walk, whether the WRITE permission matters, the
//! broker-name and queue-id filters and the order; [`QueueSelection`] names those differences
//! so that the walk itself is written once.

use broker::remoting::body::{perm, QueueData, TopicRouteData};

/// Which side of a topic a tool works on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Sending: `writeQueueNums` queues, and only groups whose permission has WRITE.
    Write,
    /// Reading: `readQueueNums` queues. The permission is not checked: the read tools have always
    /// read whatever the route lists.
    Read,
}

/// The order of the broker groups in the result (queues of a group stay in id order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// As the route lists the groups' queue data.
    Route,
    /// By broker name (a stable sort of the route's order), as `consumeMessage` reads them.
    BrokerName,
}

/// Which queues of a route [`master_queues`] returns, and in which order.
#[derive(Debug, Clone, Copy)]
pub struct QueueSelection<'a> {
    /// Queue count and permission check.
    pub side: Side,
    /// Group order.
    pub order: Order,
    /// Only this broker group. Default: every group.
    pub broker_name: Option<&'a str>,
    /// Only this queue id. Default: every queue.
    pub queue_id: Option<i32>,
}

impl QueueSelection<'_> {
    /// Every queue of `side`, groups in route order.
    pub fn all(side: Side) -> Self {
        Self {
            side,
            order: Order::Route,
            broker_name: None,
            queue_id: None,
        }
    }
}

/// One queue on a broker group's master.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MasterQueue {
    /// Broker group.
    pub broker_name: String,
    /// The group's BID 0 address.
    pub addr: String,
    /// Queue id.
    pub queue_id: i32,
}

/// The queues of `route` that `selection` asks for, on each group's BID 0 address. Groups with no
/// BID 0 registered are skipped; an empty result is for the caller to turn into its own error.
pub fn master_queues(route: &TopicRouteData, selection: &QueueSelection<'_>) -> Vec<MasterQueue> {
    let mut datas: Vec<&QueueData> = route.queue_datas.iter().collect();
    if selection.order == Order::BrokerName {
        datas.sort_by(|a, b| a.broker_name.cmp(&b.broker_name));
    }
    let mut out = Vec::new();
    for qd in datas {
        if selection.broker_name.is_some_and(|b| b != qd.broker_name) {
            continue;
        }
        let count = match selection.side {
            Side::Write if qd.perm & perm::WRITE == 0 => continue,
            Side::Write => qd.write_queue_nums,
            Side::Read => qd.read_queue_nums,
        };
        let Some(addr) = route
            .broker_datas
            .iter()
            .find(|bd| bd.broker_name == qd.broker_name)
            .and_then(|bd| bd.broker_addrs.get(&0))
        else {
            continue;
        };
        for queue_id in 0..count {
            if selection.queue_id.is_none_or(|want| want == queue_id) {
                out.push(MasterQueue {
                    broker_name: qd.broker_name.clone(),
                    addr: addr.clone(),
                    queue_id,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use broker::remoting::body::BrokerData;

    fn group(name: &str, addrs: &[(i64, &str)]) -> BrokerData {
        BrokerData {
            broker_addrs: addrs.iter().map(|(id, a)| (*id, a.to_string())).collect(),
            broker_name: name.into(),
            cluster: "c".into(),
            ..Default::default()
        }
    }

    fn queues(name: &str, perm: i32, read: i32, write: i32) -> QueueData {
        QueueData {
            broker_name: name.into(),
            perm,
            read_queue_nums: read,
            write_queue_nums: write,
            topic_sys_flag: 0,
        }
    }

    fn ids(v: &[MasterQueue]) -> Vec<(&str, &str, i32)> {
        v.iter()
            .map(|q| (q.broker_name.as_str(), q.addr.as_str(), q.queue_id))
            .collect()
    }

    /// c (read-only, listed first), a, b (no master), d (write-only).
    fn route() -> TopicRouteData {
        TopicRouteData {
            broker_datas: vec![
                group("a", &[(0, "a:0"), (1, "a:1")]),
                group("b", &[(1, "b:1")]),
                group("c", &[(0, "c:0")]),
                group("d", &[(0, "d:0")]),
            ],
            queue_datas: vec![
                queues("c", perm::READ, 1, 1),
                queues("a", perm::READ | perm::WRITE, 3, 2),
                queues("b", perm::READ | perm::WRITE, 2, 2),
                queues("d", perm::WRITE, 1, 1),
            ],
            ..Default::default()
        }
    }

    #[test]
    fn write_side_counts_write_queues_of_writable_masters_in_route_order() {
        let got = master_queues(&route(), &QueueSelection::all(Side::Write));
        assert_eq!(ids(&got), [("a", "a:0", 0), ("a", "a:0", 1), ("d", "d:0", 0)]);
    }

    #[test]
    fn read_side_counts_read_queues_and_ignores_the_permission() {
        let got = master_queues(&route(), &QueueSelection::all(Side::Read));
        assert_eq!(
            ids(&got),
            [
                ("c", "c:0", 0),
                ("a", "a:0", 0),
                ("a", "a:0", 1),
                ("a", "a:0", 2),
                ("d", "d:0", 0)
            ]
        );
        let sorted = QueueSelection {
            order: Order::BrokerName,
            ..QueueSelection::all(Side::Read)
        };
        assert_eq!(
            ids(&master_queues(&route(), &sorted)),
            [
                ("a", "a:0", 0),
                ("a", "a:0", 1),
                ("a", "a:0", 2),
                ("c", "c:0", 0),
                ("d", "d:0", 0)
            ]
        );
    }

    #[test]
    fn filters_narrow_to_one_group_and_one_queue_id() {
        let mut s = QueueSelection {
            broker_name: Some("a"),
            ..QueueSelection::all(Side::Read)
        };
        assert_eq!(master_queues(&route(), &s).len(), 3);
        s.queue_id = Some(2);
        assert_eq!(ids(&master_queues(&route(), &s)), [("a", "a:0", 2)]);
        // Queue 2 is readable but not writable.
        s.side = Side::Write;
        assert!(master_queues(&route(), &s).is_empty());
        s.queue_id = None;
        s.broker_name = Some("b");
        assert!(master_queues(&route(), &s).is_empty(), "b has no master");
    }
}
