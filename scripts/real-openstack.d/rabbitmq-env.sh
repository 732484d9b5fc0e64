# shellcheck shell=bash
# Sourced by scripts/real-openstack: RabbitMQ runs as root with its state under the
# tier's directory, and every socket (AMQP, epmd, Erlang distribution) on 127.0.0.1.
export HOME=$PM_REAL_OS_DIR/rabbitmq
export RABBITMQ_NODENAME=rabbit@localhost
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT=5672
export RABBITMQ_DIST_PORT=25672
export ERL_EPMD_ADDRESS=127.0.0.1
export ERL_EPMD_PORT=4369
export RABBITMQ_CONFIG_FILE=$PM_REAL_OS_DIR/etc/rabbitmq.conf
export RABBITMQ_ENABLED_PLUGINS_FILE=$PM_REAL_OS_DIR/rabbitmq/enabled_plugins
export RABBITMQ_MNESIA_BASE=$PM_REAL_OS_DIR/rabbitmq/mnesia
export RABBITMQ_LOG_BASE=$PM_REAL_OS_DIR/log/rabbitmq
export RABBITMQ_PID_FILE=$PM_REAL_OS_DIR/run/rabbitmq-beam.pid
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
export RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
