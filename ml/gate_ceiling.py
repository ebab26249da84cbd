"""Flag rates of the shipped head with and without a ceiling on the Everyday gate, measured on
the dequantized base embeddings (docs/ml.md, "Gate ceiling"). Run from the repository root."""
import json, struct, numpy as np
h=json.load(open('models/mh7/head.json'))
W=np.array(h['weights'],dtype=np.float32); b=np.array(h['bias'],dtype=np.float32)
raw=open('models/mh7/base_embeddings.bin','rb').read()
assert raw[:6]==b'BLEMB1'
rows,dim,nl=struct.unpack_from('<III',raw,6); off=18
labels=[]
for _ in range(nl):
    (n,)=struct.unpack_from('<H',raw,off); off+=2; labels.append(raw[off:off+n].decode()); off+=n
L=[];S=[];K=[];E=[]
for i in range(rows):
    l,s,k,_=struct.unpack_from('<BBBB',raw,off); (sc,)=struct.unpack_from('<f',raw,off+4)
    v=np.frombuffer(raw,dtype=np.int8,count=dim,offset=off+8).astype(np.float32)*sc
    off+=8+dim; L.append(l);S.append(s);K.append(k);E.append(v)
L=np.array(L);S=np.array(S);K=np.array(K);E=np.stack(E)
z=E@W.T+b; z-=z.max(1,keepdims=True); p=np.exp(z); p/=p.sum(1,keepdims=True)
si=h['suicidal_index']; t=h['threshold']; gi=labels.index('Everyday')
top=p.argmax(1)
for ceiling in [None,0.15,0.2,0.25,0.3,0.4,0.5]:
    gated=(top==gi) if ceiling is None else ((top==gi)&(p[:,si]<ceiling))
    flag=(p[:,si]>=t)&~gated
    ho=S==1
    pos=ho&(K==0)&(L==si)
    every=ho&(K>0)
    every_all=(K>0)
    print(ceiling, 'recall %.3f'%flag[pos].mean(), 'everyday_ho %.3f (%d/%d)'%(flag[every].mean(),flag[every].sum(),every.sum()), 'everyday_all %.4f (%d/%d)'%(flag[every_all].mean(),flag[every_all].sum(),every_all.sum()))
