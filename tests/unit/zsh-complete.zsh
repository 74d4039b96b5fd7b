# SPDX-License-Identifier: MIT
# zsh-complete.zsh FPATH-DIR BIN-DIR LINE...: each LINE completed by a real interactive zsh
# (compinit, then TAB: the completion system itself, not a stand-in), printed as the
# line stands afterwards, one a line. Used by test-completion.sh.
zmodload zsh/zpty
fdir=$1 bdir=$2; shift 2
zpty z 'TERM=dumb zsh -f -i'
zpty -w z "PS1=''; PATH=$bdir:\$PATH; fpath=($fdir \$fpath); autoload -Uz compinit; compinit -u -D; unsetopt beep; print READY"
zpty -r z x '*READY*'
for line in "$@"; do
        zpty -w -n z "$line"$'\t'
        sleep 0.5
        zpty -w -n z $'\x01print -r -- RESULT:\n'
        out="" ; n=0
        while ((n++ < 100)); do
                zpty -r -t z chunk && out+=$chunk
                [[ $out =~ $'\nRESULT:([^\r\n]*)\r' ]] && break
                sleep 0.1
        done
        print -r -- "${match[1]% }"
done
zpty -d z
