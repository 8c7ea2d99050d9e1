#!/usr/bin/perl
# flowproof's network namespace helper: does in one small process, by setns(2), what would
# otherwise take a process spawned by node (and an `ip netns exec`) per namespace. perl-base
# only (Essential on Debian and Ubuntu). It enters only namespaces named like a run's
# (fp<6 hex>-<name>) and checks after each setns that it is in the namespace it opened.
# <setns-nr> is setns' system call number on this machine (flowproof passes its arch's).
#
#   ns-helper.pl <setns-nr> run <spec>
#     Builds namespaces: spec lines, in order:
#       parallel <n>              at most n jobs at once (first line)
#       ns <name> [<label>]       the namespace of the lines below (the label names it in errors)
#       set <path> <value>        writes <value> to /proc/sys/net/<path> in that namespace
#       try <path> <value>        the same, where this kernel has the sysctl (else nothing)
#       job                       a job in that namespace: a child that enters it and runs
#       cmd <input> <argv…>         its commands one after the other, stdin from <input>: a
#                                   file, "-" (none) or "<<n" (the next n lines); the first
#                                   that fails ends the job
#       stage <name>              waits for every job so far, then prints "stage <name>"
#     A job's output goes to an anonymous temporary file (no name to clean up).
#     On a failure: waits for the jobs still running, prints what failed (the workload, the
#     command, the tail of its output) on stderr and exits 1. When the process that started
#     it is gone (flowproof was killed), it starts nothing more: its jobs are killed and it
#     exits 1, so nothing appears while `flowproof cleanup` removes the run.
#   ns-helper.pl <setns-nr> listen <spec> <command> [args…]
#     spec: "ns <name> [<label>]" lines, each followed by "tcp4|tcp6|udp4|udp6 <port>" lines:
#     creates each socket in that namespace (every address; tcp6/udp6 take IPv4 too), bound,
#     and for TCP listening; then "exec-in <name>": enters that namespace and runs
#     <command> [args…] with one more argument, the sockets' descriptors in spec order
#     ("3,4,5"), kept open across the exec.
use strict;
use warnings;
use POSIX ();
use Socket qw(AF_INET AF_INET6 SOCK_STREAM SOCK_DGRAM SOL_SOCKET SO_REUSEADDR IPPROTO_IPV6 IPV6_V6ONLY INADDR_ANY IN6ADDR_ANY pack_sockaddr_in pack_sockaddr_in6);

my ($nr, $verb, $specFile, @command) = @ARGV;
die "usage: ns-helper.pl <setns-nr> run|listen <spec> [command…]\n" unless defined $specFile && $nr =~ /^\d+$/;
my $CLONE_NEWNET = 0x40000000;

sub enter {
  my ($ns) = @_;
  die "not a run's namespace: $ns\n" unless $ns =~ /^fp[0-9a-f]{6}-[a-z0-9]+$/;
  open(my $fh, '<', "/run/netns/$ns") or die "open /run/netns/$ns: $!\n";
  syscall($nr, fileno($fh), $CLONE_NEWNET) == 0 or die "setns $ns: $!\n";
  my $want = (stat($fh))[1];
  my $now = (stat('/proc/self/ns/net'))[1];
  die "setns $ns did not enter it\n" unless defined $now && $now == $want;
  close($fh);
}

open(my $spec, '<', $specFile) or die "ns-helper: open $specFile: $!\n";
my @lines = map { chomp; $_ } <$spec>;
close($spec);

if ($verb eq 'run') { run(@lines); exit 0; }
die "ns-helper: unknown verb $verb\n" unless $verb eq 'listen' && @command;
listen_and_exec(grep { /\S/ } @lines);

sub tail_of {
  my ($fh) = @_;
  seek($fh, 0, 0) or return '';
  my @all = <$fh>;
  return join('', @all > 12 ? @all[-12 .. -1] : @all);
}

sub run {
  my @ops = @_;
  my ($max) = (shift(@ops) // '') =~ /^parallel (\d+)$/ or die "ns-helper: a run spec starts with parallel <n>\n";
  $| = 1;
  my $parent = getppid();
  my (%running, @failed, $ns, $label, $job, $entered);
  my $reap = sub {
    my $pid = waitpid(-1, 0);
    return 0 if $pid <= 0;
    my $j = delete $running{$pid};
    if ($j && $? != 0) { push @failed, $j; }
    elsif ($j) { close($j->{out}); }
    return 1;
  };
  my $orphaned = sub {
    return if getppid() == $parent;
    kill('KILL', keys %running);
    1 while %running && $reap->();
    print STDERR "ns-helper: the process that started it is gone; stopped\n";
    exit 1;
  };
  my $finish = sub {
    1 while %running && $reap->();
    return unless @failed;
    print STDERR "ns-helper: $_->{label}: " . tail_of($_->{out}) for @failed;
    exit 1;
  };
  my $launch = sub {
    my ($j) = @_;
    $reap->() while keys(%running) >= $max;
    $orphaned->();
    open($j->{out}, '+>', undef) or die "ns-helper: a temporary file: $!\n";
    my $pid = fork() // die "ns-helper: fork: $!\n";
    if ($pid == 0) {
      open(STDOUT, '>&', $j->{out}) or POSIX::_exit(2);
      open(STDERR, '>&', \*STDOUT) or POSIX::_exit(2);
      $| = 1;
      eval { enter($j->{ns}) };
      if ($@) { print "$@"; POSIX::_exit(1); }
      for my $c (@{ $j->{cmds} }) {
        my $shown = join(' ', @{ $c->{argv} });
        my $in;
        if (defined $c->{data}) {
          open($in, '+>', undef) or do { print "$shown: a temporary file: $!\n"; POSIX::_exit(1) };
          print $in $c->{data};
          seek($in, 0, 0);
        } else {
          open($in, '<', $c->{input} eq '-' ? '/dev/null' : $c->{input}) or do { print "$shown: open $c->{input}: $!\n"; POSIX::_exit(1) };
        }
        my $cp = fork() // do { print "$shown: fork: $!\n"; POSIX::_exit(1) };
        if ($cp == 0) {
          open(STDIN, '<&', $in) or POSIX::_exit(127);
          { no warnings 'exec'; exec { $c->{argv}[0] } @{ $c->{argv} }; }
          print "$shown: exec: $!\n";
          POSIX::_exit(127);
        }
        waitpid($cp, 0);
        close($in);
        next if $? == 0;
        print "`$shown` " . ($? & 127 ? 'killed by signal ' . ($? & 127) : 'exit ' . ($? >> 8)) . "\n";
        POSIX::_exit(1);
      }
      POSIX::_exit(0);
    }
    $running{$pid} = $j;
  };
  my $flush = sub { if ($job) { $launch->($job); $job = undef; } };
  while (defined(my $op = shift @ops)) {
    next unless $op =~ /\S/;
    if ($op =~ /^cmd (\S+) (\S.*)$/) {
      die "ns-helper: cmd outside a job\n" unless $job;
      my $c = { input => $1, argv => [split(/ /, $2)] };
      if ($c->{input} =~ /^<<(\d+)$/) {
        die "ns-helper: $1 lines of input promised, fewer given\n" if @ops < $1;
        $c->{data} = join('', map { "$_\n" } splice(@ops, 0, $1));
      }
      push @{ $job->{cmds} }, $c;
      next;
    }
    $flush->();
    if ($op =~ /^ns (\S+)(?: (.+))?$/) { ($ns, $label) = ($1, $2 // $1); next; }
    if ($op =~ /^stage (.+)$/) { $finish->(); $orphaned->(); print "stage $1\n"; next; }
    die "ns-helper: $op before any ns line\n" unless defined $ns;
    if ($op eq 'job') {
      $job = { ns => $ns, label => $label, cmds => [] };
      next;
    }
    if ($op =~ m{^(set|try) ([a-z0-9_]+(?:/[a-z0-9_.-]+)+) (-?\d+)$}) {
      my ($optional, $path, $value) = ($1 eq 'try', $2, $3);
      eval {
        die "bad sysctl path: $path\n" if $path =~ m{(^|/)\.\.?(/|$)};
        enter($ns) unless defined $entered && $entered eq $ns;
        $entered = $ns;
        return if $optional && !-e "/proc/sys/net/$path";
        open(my $out, '>', "/proc/sys/net/$path") or die "open /proc/sys/net/$path: $!\n";
        syswrite($out, "$value\n") or die "write /proc/sys/net/$path: $!\n";
        close($out) or die "write /proc/sys/net/$path: $!\n";
      };
      next unless $@;
      1 while %running && $reap->();
      print STDERR "ns-helper: $label: $@";
      exit 1;
    }
    die "ns-helper: bad run line: $op\n";
  }
  $flush->();
  $finish->();
}

sub listen_and_exec {
  my @lines = @_;
  # Descriptors above $^F get close-on-exec; these must survive the exec.
  $^F = 1_000_000;
  my (@sockets, $execIn);
  my $in = '';
  for my $line (@lines) {
    if ($line =~ /^ns (\S+)(?: (.+))?$/) { eval { enter($1) }; die "ns-helper: $@" if $@; $in = ' in ' . ($2 // $1); next; }
    if ($line =~ /^exec-in (\S+)$/) { $execIn = $1; next; }
    my ($kind, $port) = $line =~ /^(tcp4|tcp6|udp4|udp6) (\d+)$/ or die "ns-helper: bad socket line: $line\n";
    my $v6 = $kind =~ /6$/;
    my $tcp = $kind =~ /^tcp/;
    socket(my $s, $v6 ? AF_INET6 : AF_INET, $tcp ? SOCK_STREAM : SOCK_DGRAM, 0) or die "ns-helper: socket $line$in: $!\n";
    setsockopt($s, SOL_SOCKET, SO_REUSEADDR, 1) or die "ns-helper: SO_REUSEADDR $line$in: $!\n" if $tcp;
    setsockopt($s, IPPROTO_IPV6, IPV6_V6ONLY, 0) or die "ns-helper: IPV6_V6ONLY $line$in: $!\n" if $v6;
    bind($s, $v6 ? pack_sockaddr_in6($port, IN6ADDR_ANY) : pack_sockaddr_in($port, INADDR_ANY)) or die "ns-helper: bind $line$in: $!\n";
    if ($tcp) { listen($s, 511) or die "ns-helper: listen $line$in: $!\n"; }
    push @sockets, $s;
  }
  die "ns-helper: no exec-in line\n" unless defined $execIn;
  eval { enter($execIn) };
  die "ns-helper: $@" if $@;
  exec { $command[0] } @command, join(',', map { fileno($_) } @sockets) or die "ns-helper: exec $command[0]: $!\n";
}
