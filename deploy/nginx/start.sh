#!/bin/sh
# Renders nginx.conf.template with the API's body limit and runs nginx in the foreground.
set -eu
max_body=$(( ${BEDFLOW_MAX_UPLOAD_BYTES:-1073741824} + 1048576 ))
sed "s/@MAX_BODY_BYTES@/$max_body/" /etc/bedflow/nginx.conf.template >/tmp/nginx.conf
exec nginx -c /tmp/nginx.conf -g 'daemon off;'
