//! `topicRoute`: GET_ROUTEINFO_BY_TOPIC (105) from the first name server that answers.

use broker::remoting::body::TopicRouteData;

use super::admin::{Admin, AdminError};

/// The route of `topic`.
///
/// # Errors
/// [`AdminError::TopicNotFound`] for an unknown topic, else name-server failures.
pub async fn topic_route(admin: &Admin, topic: &str) -> Result<TopicRouteData, AdminError> {
    admin.route(topic).await
}
