# tests/lib_dovecot.sh - an unprivileged Dovecot on 127.0.0.1 for tests and
# benchmarks (sourced).  dovecot_setup makes a test CA, a server certificate
# for 127.0.0.1, a config and one user "bounce" (password "secret") with a
# Maildir under $D; start_dovecot / stop_dovecot run it as nobody, by PID.
dovecot_setup() {
	D=$(mktemp -d /tmp/dv.XXXXXX)
	chmod 755 "$D"
	PORT=$(free_port)
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$D/ca.key" -out "$D/ca.pem" -days 2 \
		-subj "/CN=outreach test CA" 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -keyout "$D/server.key" -out "$D/server.csr" \
		-subj "/CN=127.0.0.1" 2>/dev/null
	printf 'subjectAltName=IP:127.0.0.1\n' > "$D/ext"
	openssl x509 -req -in "$D/server.csr" -CA "$D/ca.pem" -CAkey "$D/ca.key" -CAcreateserial \
		-out "$D/server.pem" -days 2 -extfile "$D/ext" 2>/dev/null
	# A second CA that did not sign the server's certificate.
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$D/other.key" -out "$D/other.pem" -days 2 \
		-subj "/CN=other CA" 2>/dev/null
	printf 'bounce:{PLAIN}secret::::::\n' > "$D/passwd"
	mkdir -p "$D/mail/bounce/new" "$D/mail/bounce/cur" "$D/mail/bounce/tmp" "$D/run" "$D/state"
	cat > "$D/dovecot.conf" <<-CONF
	protocols = imap
	listen = 127.0.0.1
	base_dir = $D/run
	state_dir = $D/state
	log_path = $D/dovecot.log
	ssl = yes
	ssl_cert = <$D/server.pem
	ssl_key = <$D/server.key
	disable_plaintext_auth = no
	auth_mechanisms = plain login
	default_login_user = nobody
	default_internal_user = nobody
	default_internal_group = nogroup
	first_valid_uid = 1
	mail_location = maildir:$D/mail/%u
	passdb {
	  driver = passwd-file
	  args = scheme=PLAIN username_format=%u $D/passwd
	}
	userdb {
	  driver = static
	  args = uid=nobody gid=nogroup home=$D/mail/%u
	}
	service imap-login {
	  chroot =
	  inet_listener imap {
	    address = 127.0.0.1
	    port = $PORT
	  }
	  inet_listener imaps {
	    port = 0
	  }
	}
	service anvil {
	  chroot =
	}
	service stats {
	  chroot =
	}
	CONF
	chown -R nobody:nogroup "$D"
	start_dovecot() {
		runuser -u nobody -- /usr/sbin/dovecot -c "$D/dovecot.conf"
		wait_port $PORT
	}
	stop_dovecot() {
		local pid
		pid=$(cat "$D/run/master.pid" 2>/dev/null) || return
		kill -TERM "$pid"
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
	}
}

deliver_to_mailbox() { # deliver_to_mailbox FILE NAME - drop an unseen message into INBOX
	if ! { cp "$1" "$D/mail/bounce/new/$2" && chown nobody:nogroup "$D/mail/bounce/new/$2"; }; then
		T=$((T + 1))
		echo "not ok $T - deliver $1 into the test mailbox"
		FAILED=$((FAILED + 1))
		return 1
	fi
}
